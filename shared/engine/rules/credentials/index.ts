import type { Rule } from '../types.js';
import { staleToken } from './stale-token.js';
import { legacyTokenUsed } from './legacy-token-used.js';
import { legacyTokenSecretCreated } from './legacy-token-secret-created.js';
import { tokenMinted } from './token-minted.js';
import { secretReadBurst } from './secret-read-burst.js';
import { tokenReuseFromNewIp } from './token-reuse-from-new-ip.js';
import { dormantCredentialUsed } from './dormant-credential-used.js';
import { credentialNotRotated } from './credential-not-rotated.js';

import { secretReadByScriptClient } from './secret-read-by-script-client.js';
import { secretReadOutsideNamespace } from './secret-read-outside-namespace.js';
import { secretReadByPerson } from './secret-read-by-person.js';
import { secretModified } from './secret-modified.js';
export const credentialsRules: Rule[] = [staleToken, legacyTokenUsed, legacyTokenSecretCreated, tokenMinted, secretReadBurst, tokenReuseFromNewIp, dormantCredentialUsed, credentialNotRotated, secretReadByScriptClient, secretReadOutsideNamespace, secretReadByPerson, secretModified];
