// Small DOM helpers. Text always goes in as text nodes, never as HTML, so
// stored values cannot inject markup.

/** h builds an element: attrs may hold on<event> handlers, class, and any attribute. */
export function h(tag, attrs = {}, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  add(el, kids);
  return el;
}

function add(el, kids) {
  for (const k of kids) {
    if (k === null || k === undefined || k === false) continue;
    if (Array.isArray(k)) add(el, k);
    else el.append(k instanceof Node ? k : document.createTextNode(String(k)));
  }
}

let uid = 0;
/** field returns a labelled input (or select/textarea when opts.options/opts.multiline). */
export function field(label, opts = {}) {
  const id = `f${++uid}`;
  let input;
  if (opts.options) {
    input = h('select', { id, name: opts.name }, opts.options.map(([v, t]) => h('option', { value: v, selected: v === opts.value }, t)));
  } else if (opts.multiline) {
    input = h('textarea', { id, name: opts.name, rows: opts.rows || 4, required: opts.required });
    input.value = opts.value ?? '';
  } else {
    input = h('input', { id, name: opts.name, type: opts.type || 'text', required: opts.required,
      autocomplete: opts.autocomplete || 'off', inputmode: opts.inputmode, placeholder: opts.placeholder });
    if (opts.type === 'checkbox') input.checked = !!opts.value;
    else input.value = opts.value ?? '';
  }
  const wrap = opts.type === 'checkbox'
    ? h('div', { class: 'check' }, input, h('label', { for: id }, label))
    : h('div', { class: 'field' }, h('label', { for: id }, label), input);
  wrap.input = input;
  return wrap;
}

/** main empties the main region and fills it with kids, moving focus there for keyboard users. */
export function show(title, ...kids) {
  const m = document.getElementById('main');
  m.replaceChildren(h('h1', {}, title), ...kids.flat(Infinity).filter((k) => k !== null && k !== undefined && k !== false && k !== ''));
  document.title = `${title} – ${document.getElementById('company').textContent}`;
}

let noticeAt = 0;

/** notify shows a message for everyone (kind: ok | error). */
export function notify(msg, kind = 'ok') {
  noticeAt = Date.now();
  const n = document.getElementById('notice');
  n.replaceChildren(msg ? h('p', { class: `msg ${kind}`, role: kind === 'error' ? 'alert' : null }, msg) : '');
}

/**
 * dropStaleNotice clears a message left from an earlier view, but keeps one
 * set just before this navigation (such as "you are signed out").
 */
export function dropStaleNotice() {
  if (Date.now() - noticeAt > 1000) document.getElementById('notice').replaceChildren();
}

/** errorBox renders an error inline. */
export const errorBox = (err) => h('p', { class: 'msg error', role: 'alert' }, err && err.message ? err.message : String(err));

/** time formats a Unix time for people. */
export const time = (t) => (t ? new Date(t * 1000).toLocaleString() : '—');

/** json renders any value as readable, preformatted JSON. */
export const json = (v) => h('pre', { class: 'json', tabindex: 0 }, JSON.stringify(v, null, 2));

/** table builds a table with a caption from heads and rows of cells. */
export function table(caption, heads, rows) {
  return h('div', { class: 'scroll' }, h('table', {},
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, heads.map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', {}, rows.length ? rows.map((r) => h('tr', {}, r.map((c) => h('td', {}, c))))
      : h('tr', {}, h('td', { colspan: heads.length }, 'Nothing here yet.')))));
}

/** button makes a button whose async handler disables it while running and reports errors. */
export function button(label, fn, cls = '') {
  const b = h('button', { type: 'button', class: cls });
  b.textContent = label;
  b.addEventListener('click', async () => {
    b.disabled = true;
    try {
      notify('');
      await fn();
    } catch (err) {
      notify(err.message || String(err), 'error');
    } finally {
      b.disabled = false;
    }
  });
  return b;
}

/** form wraps fields in a form whose submit runs fn with errors reported. */
export function form(label, fields, submitLabel, fn) {
  const f = h('form', { 'aria-label': label }, fields, h('button', { type: 'submit' }, submitLabel));
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    const sb = f.querySelector('button[type=submit]');
    sb.disabled = true;
    try {
      notify('');
      await fn();
    } catch (err) {
      notify(err.message || String(err), 'error');
    } finally {
      sb.disabled = false;
    }
  });
  return f;
}

/** download saves data as a file without putting anything in the address bar. */
export function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** diffRows lines up the top-level keys of two objects for a side-by-side view. */
export function diffRows(original, changed) {
  const keys = [...new Set([...Object.keys(original || {}), ...Object.keys(changed || {})])].sort();
  return keys.map((k) => {
    const a = original ? original[k] : undefined;
    const b = changed ? changed[k] : undefined;
    const same = JSON.stringify(a) === JSON.stringify(b);
    const cell = (v) => h('code', {}, v === undefined ? '—' : JSON.stringify(v));
    return [k, cell(a), h('span', { class: same ? '' : 'changed' }, cell(b), same ? '' : ' (changed)')];
  });
}

/** mergePatch applies an RFC 7386 merge patch, to preview a requested change. */
export function mergePatch(target, patch) {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out = target && typeof target === 'object' && !Array.isArray(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}
