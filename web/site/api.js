// The one door to the public API. Every failure becomes an ApiError with a
// readable message, so no view ever has to handle a raw response.

/** ApiError carries the HTTP status (0 when the server was unreachable) and the API's message. */
export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** seg encodes one path segment; identities only ever travel this way or in bodies. */
export const seg = (v) => encodeURIComponent(String(v));

/**
 * call sends one request. token is sent as X-Bunker-Token when given; body as JSON.
 * Resolves to the parsed JSON answer, or {raw, blob} when asked for a blob.
 */
export async function call(method, path, { token, body, blob } = {}) {
  const headers = { Accept: 'application/json' };
  if (token) headers['X-Bunker-Token'] = token;
  const init = { method, headers, cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch {
    throw new ApiError(0, 'The server cannot be reached. Check your connection and try again.');
  }
  if (blob && res.ok) return { blob: await res.blob(), type: res.headers.get('Content-Type') };
  const text = await res.text();
  let data = null;
  try {
    data = JSON.parse(text);
  } catch {
    data = null;
  }
  if (!res.ok || (data && data.status === 'error')) {
    const msg = data && typeof data.message === 'string' ? data.message : `${res.status} ${res.statusText}`.trim();
    throw new ApiError(res.status, readable(res.status, msg));
  }
  return data ?? { raw: text };
}

function readable(status, msg) {
  const hint = {
    401: 'You are not signed in.',
    403: 'Access denied: your sign-in may have expired.',
    429: 'Too many attempts. Please wait a minute and try again.',
    503: 'The service is temporarily unavailable. Please try again shortly.',
  }[status];
  return hint && msg !== hint ? `${hint} (${msg})` : msg;
}

// Credentials live in sessionStorage only: they end with the tab and never touch the URL.
const KEY_SUBJECT = 'piivault.subject';
const KEY_ADMIN = 'piivault.admin';
const LOGIN_TTL_MS = 10 * 60 * 1000; // §1.6: a login token lives 10 minutes from issue

/** subject returns {xtoken, token, expires} of the signed-in data subject, or null. */
export function subject() {
  try {
    const s = JSON.parse(sessionStorage.getItem(KEY_SUBJECT) || 'null');
    if (s && s.expires > Date.now()) return s;
  } catch { /* unreadable: treat as signed out */ }
  sessionStorage.removeItem(KEY_SUBJECT);
  return null;
}
export function setSubject(xtoken, token) {
  sessionStorage.setItem(KEY_SUBJECT, JSON.stringify({ xtoken, token, expires: Date.now() + LOGIN_TTL_MS }));
}
export const clearSubject = () => sessionStorage.removeItem(KEY_SUBJECT);
/** expired reports (once) that a stored sign-in has run out; a signed-out tab is not expired. */
export const expired = () => sessionStorage.getItem(KEY_SUBJECT) !== null && subject() === null;

/** admin returns the root token the console signed in with, or null. */
export const admin = () => sessionStorage.getItem(KEY_ADMIN);
export const setAdmin = (t) => sessionStorage.setItem(KEY_ADMIN, t);
export const clearAdmin = () => sessionStorage.removeItem(KEY_ADMIN);
