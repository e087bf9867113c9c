// Re-derives the Kubernetes request attributes (verb, group, version, namespace, resource, subresource, name) from
// an audit event's requestURI and HTTP method, the way kube-apiserver's RequestInfo resolver does
// (k8s.io/apiserver/pkg/endpoints/request/requestinfo.go, RequestInfoFactory.NewRequestInfo) with APIPrefixes
// {api, apis} and GrouplessAPIPrefixes {api}. Our own implementation of that documented behaviour, including the
// parts of Go's net/url and apimachinery it depends on:
//  - the URI is parsed like Go's url.ParseRequestURI: split at the first '?', no fragment handling, the path is
//    percent-decoded as a whole (so %2F splits segments), control characters or a bad escape make it unparseable;
//  - list/watch and the fieldSelector name come from the query parsed like url.ParseQuery (pairs with ';' or bad
//    escapes are dropped, '+' is a space, first value wins) and decoded like metainternalversion.ListOptions: an
//    invalid fieldSelector, labelSelector, limit or timeoutSeconds makes the whole decode fail, which keeps the verb
//    (watch is still honoured) but drops the metadata.name from the fieldSelector.
// Pure and allocation-light: no regex and no URL object on the hot path. It never throws.

import { PERCENT, QUESTION, SLASH, percentDecode, stripSchemeAndAuthority } from './percent-decode.js';
import { listVerbAndName } from './list-params.js';

export interface RequestInfo {
  isResourceRequest: boolean;
  /** URL path, percent-decoded, without query string. */
  path: string;
  /**
   * get|list|watch|create|update|patch|delete|deletecollection, or proxy|watch from the deprecated path prefixes,
   * '' for a resource request with another HTTP method; the lowercase HTTP method for non-resource requests.
   */
  verb: string;
  /**
   * 'api' | 'apis' for resource requests, '' for most non-resource requests. Like kube-apiserver, the prefix is
   * kept for the discovery paths /apis/<group>/<version> and /apis/<group>/<version>/ (non-resource, prefix 'apis').
   */
  apiPrefix: string;
  apiGroup: string;
  apiVersion: string;
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
  /** Path parts from the resource on: resource/name/subresource/anything-else (empty for non-resource). */
  parts: string[];
}


// ---------------------------------------------------------------------------------------------------------------
// Resolver

/**
 * Attributes of a request as kube-apiserver derives them. `method` is the HTTP method, compared case-sensitively as
 * Go's net/http does ('GET', not 'get'). A URI that Go's url.ParseRequestURI rejects (empty, control characters,
 * malformed %-escape, no leading '/') gives a non-resource request whose path is the raw string before '?'.
 *
 * Short special-verb paths such as /api/v1/watch or /apis/g/v/proxy (nothing after the prefix) make
 * kube-apiserver fail the request with 500 before authorization and auditing; for them this returns what the
 * resolver knew at that point: a resource request with prefix, group and version, the lowercase HTTP method as
 * verb and no resource.
 */
export function resolveRequestInfo(requestURI: string, method: string): RequestInfo {
  const lowerMethod = lowerMethodOf(method);
  const n = requestURI.length;
  let q = -1;
  let pathHasPercent = false;
  for (let i = 0; i < n; i++) {
    const c = requestURI.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return unparseable(requestURI, lowerMethod);
    if (c === QUESTION) {
      if (q < 0) q = i;
    } else if (c === PERCENT && q < 0) {
      pathHasPercent = true;
    }
  }
  let path = q < 0 ? requestURI : requestURI.slice(0, q);
  const rawQuery = q < 0 ? '' : requestURI.slice(q + 1);

  if (path.charCodeAt(0) !== SLASH) {
    // Not origin-form: '*' (OPTIONS *), absolute-form (scheme://authority/path), or rejected.
    if (requestURI === '*') return nonResource('*', lowerMethod);
    const stripped = stripSchemeAndAuthority(path);
    if (stripped === undefined) return unparseable(requestURI, lowerMethod);
    path = stripped;
    pathHasPercent = path.includes('%');
  }
  if (pathHasPercent) {
    const decoded = percentDecode(path, false);
    if (decoded === undefined) return unparseable(requestURI, lowerMethod);
    path = decoded;
  }

  // splitPath: trim every leading and trailing '/', split on '/', keep empty inner segments.
  let start = 0;
  let end = path.length;
  while (start < end && path.charCodeAt(start) === SLASH) start++;
  while (end > start && path.charCodeAt(end - 1) === SLASH) end--;
  if (end - start === 0) return nonResource(path, lowerMethod);
  const all = (start === 0 && end === path.length ? path : path.slice(start, end)).split('/');
  const count = all.length;
  if (count < 3) return nonResource(path, lowerMethod);

  const apiPrefix = all[0] ?? '';
  if (apiPrefix !== 'api' && apiPrefix !== 'apis') return nonResource(path, lowerMethod);
  let k = 1;
  let apiGroup = '';
  if (apiPrefix !== 'api') {
    // /apis/<group>/<version>/<resource>...: four parts at least, else discovery (non-resource, prefix kept).
    if (count - k < 3) {
      const info = nonResource(path, lowerMethod);
      info.apiPrefix = apiPrefix;
      return info;
    }
    apiGroup = all[k] ?? '';
    k++;
  }
  const apiVersion = all[k] ?? '';
  k++;

  let verb: string;
  let viaProxyPrefix = false;
  const first = all[k] ?? '';
  if (first === 'watch' || first === 'proxy') {
    if (count - k < 2) {
      // kube-apiserver: "unable to determine kind and namespace from url" (the request fails with 500).
      return {
        isResourceRequest: true,
        path,
        verb: lowerMethod,
        apiPrefix,
        apiGroup,
        apiVersion,
        namespace: '',
        resource: '',
        subresource: '',
        name: '',
        parts: [],
      };
    }
    verb = first;
    viaProxyPrefix = first === 'proxy';
    k++;
  } else {
    verb = kubeVerbOf(method);
  }

  let namespace = '';
  if (all[k] === 'namespaces' && count - k > 1) {
    namespace = all[k + 1] ?? '';
    // /namespaces/<ns>/<resource>... moves on to the resource, unless the third part is a namespace subresource.
    if (count - k > 2) {
      const third = all[k + 2];
      if (third !== 'status' && third !== 'finalize') k += 2;
    }
  }

  const parts = all.slice(k);
  const partCount = parts.length;
  const resource = parts[0] ?? '';
  let name = partCount >= 2 ? (parts[1] ?? '') : '';
  // The proxy prefix takes no subresource: everything after the name is the proxied path.
  const subresource = partCount >= 3 && !viaProxyPrefix ? (parts[2] ?? '') : '';

  if (name === '' && verb === 'get') {
    const list = listVerbAndName(rawQuery);
    verb = list.watch ? 'watch' : 'list';
    if (list.name !== undefined) name = list.name;
  }
  if (name === '' && verb === 'delete') verb = 'deletecollection';

  return {
    isResourceRequest: true,
    path,
    verb,
    apiPrefix,
    apiGroup,
    apiVersion,
    namespace,
    resource,
    subresource,
    name,
    parts,
  };
}

function nonResource(path: string, lowerMethod: string): RequestInfo {
  return {
    isResourceRequest: false,
    path,
    verb: lowerMethod,
    apiPrefix: '',
    apiGroup: '',
    apiVersion: '',
    namespace: '',
    resource: '',
    subresource: '',
    name: '',
    parts: [],
  };
}

function unparseable(requestURI: string, lowerMethod: string): RequestInfo {
  const q = requestURI.indexOf('?');
  return nonResource(q < 0 ? requestURI : requestURI.slice(0, q), lowerMethod);
}

function lowerMethodOf(method: string): string {
  switch (method) {
    case 'GET':
      return 'get';
    case 'POST':
      return 'post';
    case 'PUT':
      return 'put';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return 'delete';
    case 'HEAD':
      return 'head';
    default:
      return method.toLowerCase();
  }
}

function kubeVerbOf(method: string): string {
  switch (method) {
    case 'POST':
      return 'create';
    case 'GET':
    case 'HEAD':
      return 'get';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return 'delete';
    default:
      return '';
  }
}

// ---------------------------------------------------------------------------------------------------------------
// HTTP method of a recorded audit verb

const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'CONNECT', 'TRACE']);

/**
 * The HTTP method behind an audit event's recorded verb: get|list|watch → GET, create → POST, update → PUT,
 * patch → PATCH, delete|deletecollection → DELETE; a non-resource verb (a lowercase HTTP method such as 'post',
 * 'put', 'head') → its uppercase form; anything else (proxy, '', unknown) → GET.
 */
export function httpMethodOf(recordedVerb: string | undefined): string {
  switch (recordedVerb) {
    case undefined:
    case 'get':
    case 'list':
    case 'watch':
      return 'GET';
    case 'create':
      return 'POST';
    case 'update':
      return 'PUT';
    case 'patch':
      return 'PATCH';
    case 'delete':
    case 'deletecollection':
      return 'DELETE';
    default: {
      const upper = recordedVerb.toUpperCase();
      return HTTP_METHODS.has(upper) ? upper : 'GET';
    }
  }
}
