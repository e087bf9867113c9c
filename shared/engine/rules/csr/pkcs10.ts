import { CertificationRequest } from '@peculiar/asn1-csr';
import { AsnParser } from '@peculiar/asn1-schema';
import type { AttributeValue } from '@peculiar/asn1-x509';

// The subject of a CertificateSigningRequest's PKCS#10 request (`spec.request`). In JSON the field is a
// []byte, so it arrives as base64 of a PEM "CERTIFICATE REQUEST" block (what the API validates); base64 of
// bare DER and an un-encoded PEM string are accepted too. Anything that does not decode is undefined: the
// input is attacker-controlled and a rule must never throw on it.

export interface CsrSubject {
  /** The CommonName the x509 authenticator would take as the username (Go keeps the last CN), or null. */
  commonName: string | null;
  /** The Organization values, which become the user's groups. */
  organizations: string[];
}

const oidCommonName = '2.5.4.3';
const oidOrganization = '2.5.4.10';
// A CSR with a 16k RSA key is under 6 KiB of PEM: anything far larger is not worth parsing.
const maxRequestChars = 64 * 1024;
const cacheCap = 256;
const cache = new Map<string, CsrSubject | null>();

const base64 = /^[A-Za-z0-9+/]+={0,2}$/;
const pemBlock = /-----BEGIN (?:NEW )?CERTIFICATE REQUEST-----([A-Za-z0-9+/=\s]+)-----END (?:NEW )?CERTIFICATE REQUEST-----/;

/** The DER bytes of a request given as base64(PEM), base64(DER) or PEM text; undefined when it is neither. */
function derOf(request: string): Uint8Array | undefined {
  const trimmed = request.trim();
  let text: string;
  if (trimmed.startsWith('-----BEGIN')) {
    text = trimmed;
  } else {
    const compact = trimmed.replace(/\s+/g, '');
    if (compact.length % 4 !== 0 || !base64.test(compact)) return undefined;
    const bytes = Buffer.from(compact, 'base64');
    // DER of a SEQUENCE starts with 0x30; PEM starts with '-'.
    if (bytes[0] === 0x30) return bytes;
    text = bytes.toString('latin1');
  }
  const body = pemBlock.exec(text)?.[1]?.replace(/\s+/g, '');
  if (body === undefined || body === '' || body.length % 4 !== 0 || !base64.test(body)) return undefined;
  return Buffer.from(body, 'base64');
}

/** A DirectoryString (or IA5String) value as text; other encodings (anyValue) are not names. */
function textOf(value: AttributeValue | undefined): string | undefined {
  if (!value) return undefined;
  return value.utf8String ?? value.printableString ?? value.teletexString ?? value.bmpString ?? value.universalString ?? value.ia5String;
}

function parse(request: string): CsrSubject | null {
  const der = derOf(request);
  if (!der) return null;
  const csr = AsnParser.parse(der, CertificationRequest);
  let commonName: string | null = null;
  const organizations: string[] = [];
  for (const rdn of csr.certificationRequestInfo.subject) {
    for (const atv of rdn) {
      const value = textOf(atv.value);
      if (value === undefined) continue;
      if (atv.type === oidCommonName) commonName = value;
      else if (atv.type === oidOrganization) organizations.push(value);
    }
  }
  return { commonName, organizations };
}

/** The subject of `spec.request`, or undefined when it is absent or not a well-formed PKCS#10 request. */
export function decodeCsrSubject(request: unknown): CsrSubject | undefined {
  if (typeof request !== 'string' || request === '' || request.length > maxRequestChars) return undefined;
  const cached = cache.get(request);
  if (cached !== undefined) return cached === null ? undefined : copy(cached);
  let subject: CsrSubject | null;
  try {
    subject = parse(request);
  } catch {
    subject = null;
  }
  if (cache.size >= cacheCap) {
    // Oldest first (a Map iterates in insertion order).
    const oldest = cache.keys().next();
    if (oldest.done !== true) cache.delete(oldest.value);
  }
  cache.set(request, subject);
  return subject === null ? undefined : copy(subject);
}

// Findings carry the subject as evidence: callers get their own copy, never the cached one.
function copy(subject: CsrSubject): CsrSubject {
  return { commonName: subject.commonName, organizations: [...subject.organizations] };
}
