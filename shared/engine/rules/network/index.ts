import type { Rule } from '../types.js';
import { plaintextProxy } from './plaintext-proxy.js';
import { ingressWithoutTls } from './ingress-without-tls.js';
import { insecureBackendTls } from './insecure-backend-tls.js';
import { nodePortService } from './nodeport-service.js';
import { networkPolicyRemoved } from './network-policy-removed.js';
import { credentialsInConfigmap } from './credentials-in-configmap.js';
import { plaintextIngest } from './plaintext-ingest.js';

export const networkRules: Rule[] = [plaintextProxy, ingressWithoutTls, insecureBackendTls, nodePortService, networkPolicyRemoved, credentialsInConfigmap, plaintextIngest];
