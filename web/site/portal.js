// The data subject's views. The subject is always addressed by user token
// (mode "token") in API paths, so email and phone appear only at sign-in.
import { call, seg, subject, setSubject, clearSubject } from './api.js';
import { h, field, show, notify, errorBox, time, json, table, button, form, download, diffRows, mergePatch } from './ui.js';

const go = (r) => {
  if (location.hash === `#/${r}`) document.dispatchEvent(new Event('piivault:route'));
  else location.hash = `#/${r}`;
};

/** signOut forgets the login token (the API keeps it until it expires). */
export function signOut(msg = 'You are signed out.') {
  clearSubject();
  notify(msg);
  go('login');
}

// as calls the API as the subject; a refused token means the sign-in is over.
async function as(method, path, opts = {}) {
  const s = subject();
  if (!s) {
    signOut('Your sign-in has expired. Please sign in again.');
    throw new Error('Your sign-in has expired. Please sign in again.');
  }
  try {
    return await call(method, path, { ...opts, token: s.xtoken });
  } catch (err) {
    if (err.status === 401 || err.status === 403 || (err.status === 404 && path.startsWith(`/v1/user/token/`))) {
      signOut('Your sign-in has ended (it expired, or the account no longer exists). Please sign in again.');
    }
    throw err;
  }
}
const me = () => `token/${seg(subject().token)}`;

/** login: consent to the code being sent, request it, enter it. */
export function login() {
  const mode = field('Sign in with', { name: 'mode', options: [['phone', 'Phone number'], ['email', 'Email address']] });
  const ident = field('Phone number or email address', { name: 'identity', required: true, autocomplete: 'username' });
  const agree = field('I agree that a one-time access code is sent to me by SMS or email through a third-party gateway.',
    { name: 'agree', type: 'checkbox' });
  agree.input.required = true;
  const step1 = form('Request an access code', [mode, ident, agree], 'Send me a code', async () => {
    const m = mode.input.value;
    const id = ident.input.value.trim();
    const brief = m === 'email' ? 'core-send-email-on-login' : 'core-send-sms-on-login';
    await call('POST', `/v1/agreement/${brief}/${m}/${seg(id)}`, { body: {} });
    await call('GET', `/v1/prelogin/${m}/${seg(id)}`);
    codeStep(m, id);
  });
  show('Sign in to your privacy portal',
    h('p', {}, 'See and control the personal data held about you. We send a one-time code to your phone or email.'),
    step1);
}

function codeStep(m, id) {
  const code = field('Access code', { name: 'code', required: true, inputmode: 'numeric', autocomplete: 'one-time-code' });
  const f = form('Enter the access code', [code], 'Sign in', async () => {
    const r = await call('GET', `/v1/login/${m}/${seg(id)}/${seg(code.input.value.trim())}`);
    setSubject(r.xtoken, r.token);
    notify('You are signed in.');
    go('profile');
  });
  show('Enter your access code', h('p', {}, 'If the details you gave belong to an account, a code is on its way.'), f,
    button('Start again', () => login(), 'secondary'));
  code.input.focus();
}

/** profile: view and edit; an edit applies or becomes a request, as the API decides. */
export async function profile() {
  const r = await as('GET', `/v1/user/${me()}`);
  const data = r.data || {};
  const fields = Object.entries(data).map(([k, v]) => {
    const f = field(k, { name: k, value: typeof v === 'string' ? v : JSON.stringify(v) });
    f.original = v;
    f.key = k;
    return f;
  });
  const extraKey = field('New field name (optional)', { name: 'newkey' });
  const extraVal = field('New field value', { name: 'newval' });
  const edit = form('Edit profile', [fields, extraKey, extraVal], 'Save changes', async () => {
    const patch = {};
    for (const f of fields) {
      const raw = f.input.value;
      let v = raw;
      if (typeof f.original !== 'string') {
        try { v = JSON.parse(raw); } catch { throw new Error(`"${f.key}" must be valid JSON.`); }
      }
      if (JSON.stringify(v) !== JSON.stringify(f.original)) patch[f.key] = v;
    }
    if (extraKey.input.value.trim()) patch[extraKey.input.value.trim()] = extraVal.input.value;
    if (!Object.keys(patch).length) throw new Error('Nothing changed.');
    const res = await as('PUT', `/v1/user/${me()}`, { body: patch });
    if (res.result === 'request-created') notify('Your change was sent to the privacy officer for approval. Follow it under Requests.');
    else if (res.result === 'request-exists') notify('A change of your profile is already waiting for approval; cancel it under Requests to ask again.');
    else notify('Your profile was updated.');
    await profile();
  });
  show('Your profile', table('What we hold about you', ['Field', 'Value'],
    Object.entries(data).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])),
  h('h2', {}, 'Edit'), edit);
}

/** apps: every app record with its content. */
export async function apps() {
  const r = await as('GET', `/v1/userapp/${me()}`);
  const parts = [];
  for (const name of r.apps || []) {
    try {
      const rec = await as('GET', `/v1/userapp/${me()}/${seg(name)}`);
      parts.push(h('section', {}, h('h2', {}, name), json(rec.data)));
    } catch (err) {
      parts.push(h('section', {}, h('h2', {}, name), errorBox(err)));
    }
  }
  show('App records', parts.length ? parts : h('p', {}, 'No application holds a record about you.'));
}

/** consents: each agreement with its legal basis text; give or withdraw. */
export async function consents() {
  const [ag, ex, cookies] = await Promise.all([as('GET', `/v1/agreements/${me()}`), as('GET', `/v1/user/${me()}/export`),
    call('GET', '/v1/sys/cookiesettings').catch(() => ({ rows: [] }))]);
  const bases = Object.fromEntries((ex.legalbases || []).map((b) => [b.brief, b]));
  // Public cookie-popup bases the subject has not answered yet can be given here too.
  const rows = [...(ag.rows || [])];
  for (const b of cookies.rows || []) {
    if (!bases[b.brief]) bases[b.brief] = b;
    if (!rows.some((a) => a.brief === b.brief)) rows.push({ brief: b.brief, status: 'not given', when: 0 });
  }
  const items = rows.map((a) => {
    const b = bases[a.brief] || {};
    const yes = a.status === 'yes';
    const act = yes
      ? button('Withdraw', async () => {
        const res = await as('DELETE', `/v1/agreement/${seg(a.brief)}/${me()}`, { body: {} });
        notify(res.result === 'request-created' || res.result === 'request-exists'
          ? 'This consent can only be withdrawn with approval; a request was filed.' : 'Consent withdrawn.');
        await consents();
      }, 'secondary')
      : button('Give consent', async () => {
        await as('POST', `/v1/agreement/${seg(a.brief)}/${me()}`, { body: { status: 'yes', agreementmethod: 'portal' } });
        notify('Consent given.');
        await consents();
      });
    act.setAttribute('aria-label', `${yes ? 'Withdraw' : 'Give'} consent: ${b.shortdesc || a.brief}`);
    return h('li', { class: 'card' },
      h('h2', {}, b.shortdesc || a.brief),
      b.fulldesc ? h('p', {}, b.fulldesc) : '',
      b.requiredflag && b.requiredmsg ? h('p', { class: 'muted' }, b.requiredmsg) : '',
      h('p', {}, 'Status: ', h('strong', { class: `status-${a.status}` }, a.status), a.when ? ` · since ${time(a.when)}` : ''),
      act);
  });
  show('Consents', items.length ? h('ul', { class: 'cards' }, items) : h('p', {}, 'You have given no consent.'));
}

/** sessions: the subject's application sessions; log out everywhere. */
export async function sessions() {
  const r = await as('GET', `/v1/sessions/${me()}`);
  const rows = (r.rows || []).map((s) => [s.session, time(s.when)]);
  show('Sessions', table(`${r.total || 0} active session(s) in our applications`, ['Session', 'Last active'], rows),
    button('Log out everywhere', async () => {
      const d = await as('DELETE', `/v1/sessions/${me()}`);
      notify(`Logged out everywhere: ${d.deleted} session(s) ended.`);
      await sessions();
    }));
}

/** requests: the subject's requests with status, change and cancel. */
export async function requests() {
  const r = await as('GET', `/v1/requests/${me()}`);
  const detail = h('div', { id: 'request-detail' });
  const rows = (r.rows || []).map((q) => [q.action + (q.app ? ` (${q.app})` : '') + (q.brief ? ` (${q.brief})` : ''),
    h('strong', { class: `status-${q.status}` }, q.status), time(q.creationtime), q.reason || '',
    h('span', {}, button('Details', async () => {
      const d = await as('GET', `/v1/request/${seg(q.rtoken)}`);
      const after = Array.isArray(d.change) ? null : mergePatch(d.original, d.change);
      detail.replaceChildren(h('h2', {}, `Request: ${q.action}`),
        d.change !== undefined && after
          ? table('What changes', ['Field', 'Now', 'Asked for'], diffRows(d.original, after))
          : json(d));
    }, 'secondary'), q.status === 'open' ? button('Cancel', async () => {
      await as('DELETE', `/v1/request/${seg(q.rtoken)}`, { body: { reason: 'canceled by the user in the portal' } });
      notify('Request canceled.');
      await requests();
    }, 'secondary') : '')]);
  show('Requests', table('Changes you asked for', ['Request', 'Status', 'Filed', 'Reason', 'Actions'], rows), detail);
}

/** history: the subject's own audit trail with details. */
export async function history() {
  const r = await as('GET', `/v1/audit/list/${seg(subject().token)}?limit=100`);
  const detail = h('div', { id: 'event-detail' });
  const rows = (r.rows || []).map((e) => [time(e.when), e.title, e.status + (e.msg ? `: ${e.msg}` : ''), e.who || '',
    e.more ? button('Details', async () => {
      const d = await as('GET', `/v1/audit/get/${seg(e.atoken)}`);
      detail.replaceChildren(h('h2', {}, e.title), table('Before and after', ['Field', 'Before', 'After'],
        diffRows(d.event?.before, d.event?.after)));
    }, 'secondary') : '']);
  show('History', table(`Everything done with your data (${r.total} events, newest first)`, ['When', 'What', 'Result', 'By', ''], rows), detail);
}

/** privacy: download everything; forget me with a clear confirmation. */
export async function privacy() {
  const confirmBox = field('I understand that erasing my data cannot be undone.', { name: 'confirm', type: 'checkbox' });
  show('Download or erase your data',
    h('section', {}, h('h2', {}, 'Download everything'),
      h('p', {}, 'One JSON file with your profile, app records, sessions, consents, requests and history.'),
      button('Download my data', async () => {
        const r = await as('GET', `/v1/user/${me()}/export`, { blob: true });
        download(r.blob, 'my-data-export.json');
        notify('Your data export was downloaded.');
      })),
    h('section', { class: 'danger' }, h('h2', {}, 'Forget me'),
      h('p', {}, 'Erase your profile, app records and sessions. Consent records are kept as evidence without your identity.'),
      confirmBox,
      button('Erase my data', async () => {
        if (!confirmBox.input.checked) throw new Error('Tick the box to confirm that you want your data erased.');
        const r = await as('DELETE', `/v1/user/${me()}`);
        if (r.result === 'done') signOut('Your data was erased and you are signed out.');
        else notify('Your request to be forgotten was sent to the privacy officer. Follow it under Requests.');
      }, 'danger')));
}
