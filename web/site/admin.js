// The privacy officer's console, signed in with the root token.
import { call, seg, admin, setAdmin, clearAdmin } from './api.js';
import { h, field, show, notify, errorBox, time, json, table, button, form, download, diffRows, mergePatch } from './ui.js';

const go = (r) => {
  if (location.hash === `#/${r}`) document.dispatchEvent(new Event('piivault:route'));
  else location.hash = `#/${r}`;
};
const as = async (method, path, opts = {}) => {
  try {
    return await call(method, path, { ...opts, token: admin() });
  } catch (err) {
    if (err.status === 401 || err.status === 403) {
      clearAdmin();
      notify(`${err.message} Sign in again with the root token.`, 'error');
      go('admin');
    }
    throw err;
  }
};

/** signOut forgets the root token. */
export function signOut() {
  clearAdmin();
  notify('You are signed out of the console.');
  go('admin');
}

/** login asks for the root token and checks it on a root-only route. */
export function login() {
  const t = field('Root token', { name: 'token', type: 'password', required: true, autocomplete: 'current-password' });
  show('Admin console', h('p', {}, 'For the privacy officer. The token stays in this tab only.'),
    form('Sign in to the admin console', [t], 'Sign in', async () => {
      await call('GET', '/v1/sys/keys', { token: t.input.value });
      setAdmin(t.input.value);
      notify('Signed in to the console.');
      go('admin/requests');
    }));
}

/** requests: filter by status, side-by-side diff, approve or cancel with a reason. */
export async function requests(status = 'open') {
  const r = await as('GET', `/v1/requests?status=${seg(status)}&limit=100`);
  const pick = field('Show requests', { name: 'status', value: status, options: [['open', 'Open'], ['approved', 'Approved'], ['canceled', 'Canceled']] });
  pick.input.addEventListener('change', () => requests(pick.input.value).catch((e) => notify(e.message, 'error')));
  const detail = h('div', { id: 'request-detail' });
  const rows = (r.rows || []).map((q) => [q.action + (q.app ? ` (${q.app})` : '') + (q.brief ? ` (${q.brief})` : ''),
    h('code', {}, q.token), q.status, time(q.creationtime), q.reason || '',
    button('Review', () => review(q, detail), 'secondary')]);
  show('Requests', pick, table(`${r.total} ${status} request(s)`, ['Action', 'User token', 'Status', 'Filed', 'Reason', ''], rows), detail);
  if (pick.input !== document.activeElement && status !== 'open') pick.input.focus();
}

async function review(q, detail) {
  const d = await as('GET', `/v1/request/${seg(q.rtoken)}`);
  const parts = [h('h2', {}, `Review: ${q.action}`)];
  if (d.change !== undefined && !Array.isArray(d.change)) {
    parts.push(table('Original and change, side by side', ['Field', 'Original', 'After the change'], diffRows(d.original, mergePatch(d.original, d.change))));
  } else {
    parts.push(h('div', { class: 'split' }, h('div', {}, h('h3', {}, 'Original'), json(d.original)),
      d.change !== undefined ? h('div', {}, h('h3', {}, 'Change'), json(d.change)) : ''));
  }
  if (q.status === 'open') {
    const reason = field('Reason (optional)', { name: 'reason' });
    parts.push(reason, h('div', { class: 'actions' },
      button('Approve', async () => {
        await as('POST', `/v1/request/${seg(q.rtoken)}`, { body: { reason: reason.input.value } });
        notify('Request approved.');
        await requests();
      }),
      button('Cancel request', async () => {
        await as('DELETE', `/v1/request/${seg(q.rtoken)}`, { body: { reason: reason.input.value } });
        notify('Request canceled.');
        await requests();
      }, 'secondary')));
  }
  detail.replaceChildren(...parts);
  detail.querySelector('h2').setAttribute('tabindex', '-1');
  detail.querySelector('h2').focus();
}

/** legal: legal bases and processing activities. */
export async function legal() {
  const [lb, pa] = await Promise.all([as('GET', '/v1/lbasis'), as('GET', '/v1/pactivity')]);
  const f = {
    brief: field('Brief (id)', { name: 'brief', required: true }),
    shortdesc: field('Short description', { name: 'shortdesc' }),
    fulldesc: field('Full description', { name: 'fulldesc', multiline: true, rows: 3 }),
    module: field('Module', { name: 'module', placeholder: 'e.g. login, cookie-popup' }),
    basistype: field('Basis type', { name: 'basistype', value: 'consent', options: ['consent', 'contract', 'legal-requirement', 'legitimate-interest', 'public-interest', 'vital-interest'].map((x) => [x, x]) }),
    usercontrol: field('The user may withdraw it', { name: 'usercontrol', type: 'checkbox' }),
    requiredflag: field('Required', { name: 'requiredflag', type: 'checkbox' }),
    requiredmsg: field('Message when required', { name: 'requiredmsg' }),
    status: field('Status', { name: 'status', options: [['active', 'active'], ['disabled', 'disabled']] }),
  };
  const fill = (b) => {
    for (const [k, el] of Object.entries(f)) {
      if (el.input.type === 'checkbox') el.input.checked = !!b[k];
      else el.input.value = b[k] ?? '';
    }
    f.brief.input.focus();
  };
  const lbForm = form('Create or edit a legal basis', Object.values(f), 'Save legal basis', async () => {
    const body = {};
    for (const [k, el] of Object.entries(f)) if (k !== 'brief') body[k] = el.input.type === 'checkbox' ? el.input.checked : el.input.value;
    await as('POST', `/v1/lbasis/${seg(f.brief.input.value.trim())}`, { body });
    notify('Legal basis saved.');
    await legal();
  });
  const lbRows = (lb.rows || []).map((b) => [b.brief, b.shortdesc, b.module, b.basistype, b.status,
    h('span', {}, button('Edit', () => fill(b), 'secondary'), b.status !== 'deleted' ? button('Delete', async () => {
      await as('DELETE', `/v1/lbasis/${seg(b.brief)}`);
      notify('Legal basis deleted.');
      await legal();
    }, 'secondary') : '')]);
  const a = {
    activity: field('Activity (id)', { name: 'activity', required: true }),
    title: field('Title', { name: 'title' }),
    fulldesc: field('Description', { name: 'afulldesc', multiline: true, rows: 2 }),
    applicableto: field('Applicable to', { name: 'applicableto' }),
    script: field('Script', { name: 'script', multiline: true, rows: 2 }),
  };
  const paForm = form('Create or edit a processing activity', Object.values(a), 'Save activity', async () => {
    const body = {};
    for (const [k, el] of Object.entries(a)) if (k !== 'activity') body[k] = el.input.value;
    await as('POST', `/v1/pactivity/${seg(a.activity.input.value.trim())}`, { body });
    notify('Processing activity saved.');
    await legal();
  });
  const la = field('Activity', { name: 'linkactivity', options: (pa.rows || []).map((x) => [x.activity, x.activity]) });
  const lbrief = field('Legal basis', { name: 'linkbrief', options: (lb.rows || []).map((x) => [x.brief, x.brief]) });
  const linkForm = form('Link a legal basis to an activity', [la, lbrief], 'Link', async () => {
    await as('POST', `/v1/pactivity/${seg(la.input.value)}/${seg(lbrief.input.value)}`);
    notify('Linked.');
    await legal();
  });
  const paRows = (pa.rows || []).map((x) => [x.activity, x.title, (x.briefs || []).map((b) => h('span', { class: 'tag' }, b.brief,
    button('×', async () => {
      await as('DELETE', `/v1/pactivity/${seg(x.activity)}/${seg(b.brief)}`);
      notify('Unlinked.');
      await legal();
    }, 'mini'))),
  h('span', {}, button('Edit', () => {
    for (const [k, el] of Object.entries(a)) el.input.value = x[k] ?? '';
    a.activity.input.focus();
  }, 'secondary'), button('Delete', async () => {
    await as('DELETE', `/v1/pactivity/${seg(x.activity)}`);
    notify('Activity deleted.');
    await legal();
  }, 'secondary'))]);
  for (const row of paRows) for (const t of row[2]) t.lastChild.setAttribute('aria-label', `Unlink ${t.firstChild.textContent}`);
  show('Legal bases and processing activities',
    table('Legal bases', ['Brief', 'Short description', 'Module', 'Type', 'Status', ''], lbRows), lbForm,
    table('Processing activities', ['Activity', 'Title', 'Legal bases', ''], paRows), paForm,
    (pa.rows || []).length && (lb.rows || []).length ? linkForm : '');
}

/** audit: filters, event details, chain verification. */
export async function audit(filters = {}) {
  const rec = field('User token (record)', { name: 'record', value: filters.record || '' });
  const title = field('Title contains', { name: 'title', value: filters.title || '' });
  const status = field('Result', { name: 'status', value: filters.status || '', options: [['', 'any'], ['ok', 'ok'], ['error', 'error']] });
  const verdict = h('div', { id: 'chain', 'aria-live': 'polite' });
  const detail = h('div', { id: 'event-detail' });
  const path = filters.record ? `/v1/audit/list/${seg(filters.record)}?limit=200` : '/v1/audit/admin?limit=200';
  let listing;
  try {
    const r = await as('GET', path);
    const rows = (r.rows || []).filter((e) => (!filters.title || e.title.toLowerCase().includes(filters.title.toLowerCase()))
      && (!filters.status || e.status === filters.status));
    listing = table(`${rows.length} of ${r.total} event(s), newest first`, ['When', 'Title', 'Result', 'Record', 'Who', ''],
      rows.map((e) => [time(e.when), e.title, e.status + (e.msg ? `: ${e.msg}` : ''), h('code', {}, e.record || ''), e.who || '',
        button('Details', async () => {
          const d = await as('GET', `/v1/audit/get/${seg(e.atoken)}`);
          detail.replaceChildren(h('h2', {}, `Event: ${e.title}`), json(e),
            table('Before and after', ['Field', 'Before', 'After'], diffRows(d.event?.before, d.event?.after)));
        }, 'secondary')]));
  } catch (err) {
    listing = errorBox(err);
  }
  const filter = form('Filter audit events', [rec, title, status], 'Apply filters', () =>
    audit({ record: rec.input.value.trim(), title: title.input.value.trim(), status: status.input.value }));
  show('Audit', h('div', { class: 'actions' }, button('Verify the chain', async () => {
    const v = await as('GET', '/v1/audit/verify');
    verdict.replaceChildren(h('p', { class: `msg ${v.result === 'ok' ? 'ok' : 'error'}` },
      v.result === 'ok' ? `Chain ok: ${v.checked} event(s) checked.` : `Chain broken at ${v.atoken}: ${v.reason} (${v.checked} checked).`));
  })), verdict, filter, listing, detail);
}

/** users: look up by any identity, then everything about them. */
export async function users() {
  const mode = field('Look up by', { name: 'mode', options: [['token', 'Token'], ['login', 'Login'], ['email', 'Email'], ['phone', 'Phone'], ['custom', 'Custom']] });
  const id = field('Identity', { name: 'identity', required: true });
  const out = h('div', { id: 'user-detail' });
  const f = form('Look up a user', [mode, id], 'Look up', async () => {
    const p = `${mode.input.value}/${seg(id.input.value.trim())}`;
    out.replaceChildren(h('p', {}, 'Loading…'));
    let u;
    try {
      u = await as('GET', `/v1/user/${p}`);
    } catch (err) {
      out.replaceChildren(errorBox(err));
      return;
    }
    const tp = `token/${seg(u.token)}`;
    const [apps, sess, ags] = await Promise.all([as('GET', `/v1/userapp/${tp}`), as('GET', `/v1/sessions/${tp}`), as('GET', `/v1/agreements/${tp}`)]);
    const appParts = [];
    for (const n of apps.apps || []) appParts.push(h('h3', {}, n), json((await as('GET', `/v1/userapp/${tp}/${seg(n)}`)).data));
    out.replaceChildren(h('h2', {}, 'User ', h('code', {}, u.token)), json(u.data),
      h('h2', {}, 'App records'), ...(appParts.length ? appParts : [h('p', {}, 'None.')]),
      table('Sessions', ['Session', 'Last active'], (sess.rows || []).map((s) => [s.session, time(s.when)])),
      table('Consents', ['Brief', 'Status', 'Changed'], (ags.rows || []).map((a) => [a.brief, a.status, time(a.when)])),
      button('Download export', async () => {
        const r = await as('GET', `/v1/user/${tp}/export`, { blob: true });
        download(r.blob, 'user-export.json');
      }));
  });
  show('Users', f, out);
}

/** keys: key versions and rotation progress. */
export async function keys() {
  const k = await as('GET', '/v1/sys/keys');
  const rot = k.rotation;
  show('Keys', h('p', {}, `Active key version: ${k.active}`),
    table('Key versions', ['Id', 'Version', 'Status', 'Created', 'Data keys'], (k.keys || []).map((x) => [x.id, x.version, x.status, time(x.created), x.datakeys])),
    h('h2', {}, 'Rotation'),
    rot ? h('div', {}, h('p', {}, `Latest job: ${rot.status}, ${rot.done} of ${rot.total} data keys re-wrapped.`),
      h('progress', { max: rot.total || 1, value: rot.done, 'aria-label': 'Rotation progress' }))
      : h('p', {}, 'No rotation has run yet.'),
    button('Rotate the key', async () => {
      const r = await as('POST', '/v1/sys/rotate-key', { body: {} });
      notify(`Rotation started: new key version ${r.version}.`);
      await keys();
    }), button('Refresh', () => keys(), 'secondary'));
}

/** system: status and the effective configuration (secrets masked by the API). */
export async function system() {
  const st = await call('GET', '/v1/status');
  const c = await as('GET', '/v1/sys/configuration');
  show('System', h('p', {}, 'Status: ', h('strong', {}, st.raw ? st.raw.trim() : JSON.stringify(st))),
    h('h2', {}, 'Configuration'), json(c.configuration));
}
