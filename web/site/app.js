// Entry point: branding from /v1/sys/uiconfiguration, then hash routing.
// The hash only ever names a view, never an identity, so no personal data
// reaches the address bar or the history.
import { call, subject, admin, expired } from './api.js';
import { h, notify, show, errorBox, dropStaleNotice } from './ui.js';
import * as portal from './portal.js';
import * as console_ from './admin.js';

const subjectViews = {
  profile: ['Profile', portal.profile],
  apps: ['App records', portal.apps],
  consents: ['Consents', portal.consents],
  sessions: ['Sessions', portal.sessions],
  requests: ['Requests', portal.requests],
  history: ['History', portal.history],
  privacy: ['Download or erase', portal.privacy],
};
const adminViews = {
  'admin/requests': ['Requests', console_.requests],
  'admin/lbasis': ['Legal bases', console_.legal],
  'admin/audit': ['Audit', console_.audit],
  'admin/users': ['Users', console_.users],
  'admin/keys': ['Keys', console_.keys],
  'admin/system': ['System', console_.system],
};

function nav(route) {
  const links = [];
  const item = (href, text) => h('li', {}, h('a', { href: `#/${href}`, 'aria-current': route === href ? 'page' : null }, text));
  if (route.startsWith('admin')) {
    if (admin()) {
      for (const [k, [t]] of Object.entries(adminViews)) links.push(item(k, t));
      links.push(h('li', {}, h('button', { type: 'button', class: 'link', onclick: console_.signOut }, 'Sign out')));
    } else links.push(item('login', 'Privacy portal'));
  } else if (subject()) {
    for (const [k, [t]] of Object.entries(subjectViews)) links.push(item(k, t));
    links.push(h('li', {}, h('button', { type: 'button', class: 'link', onclick: () => portal.signOut() }, 'Sign out')));
  } else {
    links.push(item('login', 'Sign in'), item('admin', 'Admin console'));
  }
  document.getElementById('nav').replaceChildren(h('ul', {}, links));
}

async function route() {
  const r = (location.hash || '#/').replace(/^#\/?/, '');
  let view;
  if (r.startsWith('admin')) {
    view = admin() && adminViews[r] ? adminViews[r][1] : admin() ? () => (location.hash = '#/admin/requests') : console_.login;
  } else if (subject()) {
    view = subjectViews[r] ? subjectViews[r][1] : () => (location.hash = '#/profile');
  } else {
    view = portal.login;
  }
  dropStaleNotice();
  nav(r);
  try {
    await view();
  } catch (err) {
    show('Something went wrong', errorBox(err));
  }
  const main = document.getElementById('main');
  if (document.activeElement === document.body) main.focus({ preventScroll: true });
}

async function brand() {
  try {
    const { ui } = await call('GET', '/v1/sys/uiconfiguration');
    if (ui.CompanyTitle) document.getElementById('company').textContent = `${ui.CompanyTitle} privacy portal`;
    if (ui.LogoLink) {
      const img = document.getElementById('logo');
      img.src = ui.LogoLink;
      img.alt = ui.CompanyTitle ? `${ui.CompanyTitle} logo` : 'Logo';
      img.hidden = false;
    }
    if (ui.CustomCSSLink) document.head.append(h('link', { rel: 'stylesheet', href: ui.CustomCSSLink }));
    const links = [];
    if (ui.PrivacyPolicyLink) links.push(h('a', { href: ui.PrivacyPolicyLink, rel: 'noopener noreferrer' }, ui.PrivacyPolicyTitle || 'Privacy policy'));
    if (ui.TermOfServiceLink) links.push(h('a', { href: ui.TermOfServiceLink, rel: 'noopener noreferrer' }, ui.TermOfServiceTitle || 'Terms of service'));
    const addr = [ui.CompanyAddress, ui.CompanyCity, ui.CompanyCountry].filter(Boolean).join(', ');
    document.getElementById('footer').replaceChildren(
      h('p', {}, [ui.CompanyTitle, addr, ui.CompanyVAT && `VAT ${ui.CompanyVAT}`].filter(Boolean).join(' · ')),
      links.length ? h('p', {}, links.flatMap((l, i) => (i ? [' · ', l] : [l]))) : '');
  } catch (err) {
    notify(err.message, 'error');
  }
}

// Views render one after another, so a slow view can never overwrite the
// one navigated to after it.
let rendering = Promise.resolve();
const schedule = () => { rendering = rendering.then(route, route); };

window.addEventListener('hashchange', schedule);
window.addEventListener('unhandledrejection', (e) => notify(e.reason?.message || 'Unexpected error', 'error'));
document.addEventListener('piivault:route', schedule);
brand();
schedule();

// The login token dies 10 minutes after issue (api.md §1.6); leave the
// subject's views then rather than failing on the next click.
setInterval(() => {
  if (expired()) portal.signOut('Your sign-in has expired. Please sign in again.');
}, 15000);
