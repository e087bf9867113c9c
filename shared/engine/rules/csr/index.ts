import type { Rule } from '../types.js';
import { csrClientCertRequested } from './csr-client-cert-requested.js';
import { csrApprovedManually } from './csr-approved-manually.js';
import { csrPrivilegedSubject } from './csr-privileged-subject.js';
import { csrNodeMismatch } from './csr-node-mismatch.js';
import { csrSelfApproved } from './csr-self-approved.js';

export const csrRules: Rule[] = [csrClientCertRequested, csrApprovedManually, csrPrivilegedSubject, csrNodeMismatch, csrSelfApproved];
