// Label selectors (k8s.io/apimachinery/pkg/labels): only their validity matters here, since an invalid
// labelSelector fails the ListOptions decode. Same lexer (byte-wise, NUL ends the input) and recursive descent.

const T_ERROR = 0;
const T_EOS = 1;
const T_CLOSE = 2;
const T_COMMA = 3;
const T_NOT = 4;
const T_DEQ = 5;
const T_EQ = 6;
const T_GT = 7;
const T_ID = 8;
const T_IN = 9;
const T_LT = 10;
const T_NEQ = 11;
const T_NOTIN = 12;
const T_OPEN = 13;

const SYMBOL_TOKENS = new Map<string, number>([
  [')', T_CLOSE],
  [',', T_COMMA],
  ['!', T_NOT],
  ['==', T_DEQ],
  ['=', T_EQ],
  ['>', T_GT],
  ['<', T_LT],
  ['!=', T_NEQ],
  ['(', T_OPEN],
]);

function isSpecial(c: number): boolean {
  return c === 0x3d || c === 0x21 || c === 0x28 || c === 0x29 || c === 0x2c || c === 0x3e || c === 0x3c;
}

function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
}

interface Token {
  tok: number;
  lit: string;
}

function lexLabelSelector(s: string): Token[] {
  const out: Token[] = [];
  let pos = 0;
  const read = (): number => (pos < s.length ? s.charCodeAt(pos++) : 0);
  for (;;) {
    let c = read();
    while (isBlank(c)) c = read();
    if (c === 0) {
      out.push({ tok: T_EOS, lit: '' });
      return out;
    }
    pos--;
    if (isSpecial(c)) {
      let buffer = '';
      let last: Token | undefined;
      for (;;) {
        const ch = read();
        if (ch === 0) break;
        if (!isSpecial(ch)) {
          pos--;
          break;
        }
        buffer += String.fromCharCode(ch);
        const tok = SYMBOL_TOKENS.get(buffer);
        if (tok !== undefined) last = { tok, lit: buffer };
        else if (last !== undefined) {
          pos--;
          break;
        }
      }
      out.push(last ?? { tok: T_ERROR, lit: buffer });
    } else {
      // Identifier or keyword: up to a special symbol or blank (left for the next token), or NUL (consumed).
      const from = pos;
      let to = pos;
      while (pos < s.length) {
        const ch = s.charCodeAt(pos);
        if (isSpecial(ch) || isBlank(ch)) break;
        pos++;
        if (ch === 0) break;
        to = pos;
      }
      const lit = s.slice(from, to);
      out.push({ tok: lit === 'in' ? T_IN : lit === 'notin' ? T_NOTIN : T_ID, lit });
    }
  }
}

const OP_EXISTS = 1;
const OP_NOT_EXISTS = 2;
const OP_IN = 3;
const OP_EXACT = 4;
const OP_ORDER = 5; // > and <

/** labels.Parse(selector) returns no error. */
export function isValidLabelSelector(selector: string): boolean {
  const items = lexLabelSelector(selector);
  let position = 0;
  const at = (i: number): Token => items[Math.min(i, items.length - 1)] ?? { tok: T_EOS, lit: '' };
  // In the Values context, 'in' and 'notin' are plain identifiers.
  const asValue = (t: number): number => (t === T_IN || t === T_NOTIN ? T_ID : t);
  const lookahead = (): Token => {
    const t = at(position);
    return { tok: asValue(t.tok), lit: t.lit };
  };
  const consume = (values: boolean): Token => {
    const t = at(position++);
    return values ? { tok: asValue(t.tok), lit: t.lit } : t;
  };

  const requirement = (): boolean => {
    let op = 0;
    let t = consume(true);
    if (t.tok === T_NOT) {
      op = OP_NOT_EXISTS;
      t = consume(true);
    }
    if (t.tok !== T_ID || !isQualifiedName(t.lit)) return false;
    const next = lookahead().tok;
    if ((next === T_EOS || next === T_COMMA) && op !== OP_NOT_EXISTS) op = OP_EXISTS;
    if (op === OP_EXISTS || op === OP_NOT_EXISTS) return true;

    const o = consume(false).tok;
    if (o === T_IN || o === T_NOTIN) op = OP_IN;
    else if (o === T_EQ || o === T_DEQ || o === T_NEQ) op = OP_EXACT;
    else if (o === T_GT || o === T_LT) op = OP_ORDER;
    else return false;

    const values: string[] = [];
    if (op === OP_IN) {
      if (consume(true).tok !== T_OPEN) return false;
      const first = lookahead().tok;
      if (first === T_CLOSE) {
        consume(true);
        values.push('');
      } else if (first === T_ID || first === T_COMMA) {
        let done = false;
        while (!done) {
          const v = consume(true);
          if (v.tok === T_ID) {
            values.push(v.lit);
            const after = lookahead().tok;
            if (after === T_CLOSE) done = true;
            else if (after !== T_COMMA) return false;
          } else if (v.tok === T_COMMA) {
            if (values.length === 0) values.push('');
            const after = lookahead().tok;
            if (after === T_CLOSE) {
              values.push('');
              done = true;
            } else if (after === T_COMMA) {
              consume(true);
              values.push('');
            }
          } else {
            return false;
          }
        }
        if (consume(true).tok !== T_CLOSE) return false;
      } else {
        return false;
      }
    } else {
      const v = lookahead().tok;
      if (v === T_EOS || v === T_COMMA) values.push('');
      else {
        const t2 = consume(true);
        if (t2.tok !== T_ID) return false;
        values.push(t2.lit);
      }
    }
    for (const v of values) {
      if (!isValidLabelValue(v)) return false;
      if (op === OP_ORDER && !isGoInt64(v)) return false;
    }
    return true;
  };

  for (;;) {
    const t = lookahead().tok;
    if (t === T_EOS) return true;
    if (t !== T_ID && t !== T_NOT) return false;
    if (!requirement()) return false;
    const sep = consume(true).tok;
    if (sep === T_EOS) return true;
    if (sep !== T_COMMA) return false;
    const after = lookahead().tok;
    if (after !== T_ID && after !== T_NOT) return false;
  }
}

// k8s.io/apimachinery/pkg/util/validation
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function isQualifiedName(value: string): boolean {
  const slash = value.indexOf('/');
  let name = value;
  if (slash >= 0) {
    if (value.includes('/', slash + 1)) return false;
    const prefix = value.slice(0, slash);
    if (prefix === '' || prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix)) return false;
    name = value.slice(slash + 1);
  }
  return name !== '' && name.length <= 63 && QUALIFIED_NAME.test(name);
}

function isValidLabelValue(value: string): boolean {
  return value.length <= 63 && LABEL_VALUE.test(value);
}

/** strconv.ParseInt(s, 10, 64) succeeds. */
export function isGoInt64(s: string): boolean {
  let i = 0;
  let negative = false;
  if (s.startsWith('+') || s.startsWith('-')) {
    negative = s.startsWith('-');
    i = 1;
  }
  if (i >= s.length) return false;
  for (let j = i; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c < 0x30 || c > 0x39) return false;
  }
  let digits = s.slice(i);
  while (digits.length > 1 && digits.startsWith('0')) digits = digits.slice(1);
  const limit = negative ? '9223372036854775808' : '9223372036854775807';
  return digits.length < limit.length || (digits.length === limit.length && digits <= limit);
}
