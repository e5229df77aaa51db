/**
 * The status page's style and script, inlined into the page under a per-response CSP nonce
 * (nothing is loaded from anywhere, not even from us). The script keeps the API token in
 * sessionStorage only (gone when the tab closes), refreshes the table every 5 s from
 * `ui/rows`, and sends the buttons' POSTs to /api/v1 with the token. Plain ES2017.
 */
export const PAGE_STYLE = `
:root{--bad:#c62828;--bad-bg:#fdecea;--warn-bg:#fff4e5;--line:#ddd;--muted:#666;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
@media (prefers-color-scheme:dark){:root{--bad:#ef5350;--bad-bg:#3b1a1a;--warn-bg:#3a2e12;--line:#444;--muted:#aaa}}
[hidden]{display:none!important}
body{margin:0 auto;padding:0 1rem 2rem;max-width:80rem;line-height:1.4}
header{display:flex;gap:.75rem;align-items:baseline;flex-wrap:wrap}
h1{font-size:1.4rem;margin:1rem 0 .5rem}
.version,.summary,small{color:var(--muted)}
#note{font-size:.9rem}
.banner{padding:.6rem .8rem;border-radius:.3rem;font-weight:600}
.banner.bad{background:var(--bad-bg);color:var(--bad);border-left:.35rem solid var(--bad)}
.banner.warn{background:var(--warn-bg)}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.45rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:.85rem;color:var(--muted);font-weight:600}
tr.failing td{background:var(--bad-bg)}
tr.failing td:first-child{box-shadow:inset .35rem 0 0 var(--bad)}
tr.paused td{opacity:.75}
.badge{display:inline-block;font-size:.75rem;padding:0 .4rem;border-radius:.6rem;border:1px solid var(--muted);margin-left:.25rem}
.badge.bad{background:var(--bad);border-color:var(--bad);color:#fff}
b.bad{color:var(--bad)}
.error{color:var(--bad);font-size:.85rem;margin-top:.2rem;overflow-wrap:anywhere}
.actions{white-space:nowrap}
button{font:inherit;padding:.35rem .7rem;border-radius:.3rem;border:1px solid var(--muted);background:transparent;color:inherit;cursor:pointer;min-height:2.2rem}
button:disabled{opacity:.4;cursor:default}
form{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;margin:1rem 0}
form label{flex-basis:100%}
input{font:inherit;padding:.35rem;flex:1;min-width:12rem}
@media (max-width:700px){
  thead{display:none}
  table,tbody,tr,td{display:block;width:auto}
  tr{border:1px solid var(--line);border-radius:.4rem;margin:.6rem 0;padding:.3rem}
  td{border:0;padding:.2rem .4rem;display:flex;gap:.5rem;flex-wrap:wrap}
  td::before{content:attr(data-label);color:var(--muted);min-width:9rem;font-size:.85rem}
  td.actions::before{display:none}
}
`;

export const PAGE_SCRIPT = `
(function () {
  'use strict';
  var KEY = 'dregsy-api-token';
  var body = document.body;
  var content = document.getElementById('content');
  var form = document.getElementById('login');
  var input = document.getElementById('token');
  var note = document.getElementById('note');
  var needsToken = body.getAttribute('data-needs-token') === 'true';
  function token() { try { return sessionStorage.getItem(KEY); } catch (e) { return null; } }
  function headers() { var t = token(); return t ? { authorization: 'Bearer ' + t } : {}; }
  function say(text) { note.textContent = text; }
  function ask(text) { form.hidden = false; say(text || ''); input.focus(); }
  function retitle() {
    var s = content.querySelector('[data-title]');
    if (s) document.title = s.getAttribute('data-title');
  }
  function refused() { try { sessionStorage.removeItem(KEY); } catch (e) {} ask('That token was refused; enter it again.'); }
  function refresh() {
    if (needsToken && !token()) { ask(); return Promise.resolve(); }
    return fetch('ui/rows', { headers: headers(), cache: 'no-store' }).then(function (r) {
      if (r.status === 401) return refused();
      if (!r.ok) return say('dregsy answered ' + r.status);
      return r.text().then(function (html) {
        content.innerHTML = html;
        form.hidden = true;
        body.setAttribute('data-updated', new Date().toISOString());
        retitle();
      });
    }).catch(function (e) { say('cannot reach dregsy: ' + e.message); });
  }
  form.addEventListener('submit', function (e) {
    e.preventDefault();
    try { sessionStorage.setItem(KEY, input.value.trim()); } catch (err) {}
    input.value = '';
    refresh();
  });
  content.addEventListener('click', function (e) {
    var b = e.target.closest ? e.target.closest('button[data-action]') : null;
    if (!b) return;
    var task = b.getAttribute('data-task');
    var action = b.getAttribute('data-action');
    b.disabled = true;
    fetch('api/v1/tasks/' + encodeURIComponent(task) + '/' + action, { method: 'POST', headers: headers() }).then(function (r) {
      if (r.status === 401) return refused();
      return r.json().catch(function () { return {}; }).then(function (j) {
        say(r.ok ? task + ': ' + action + ' accepted' : task + ': ' + (j.error || ('answered ' + r.status)));
      });
    }).catch(function (err) { say('cannot reach dregsy: ' + err.message); }).then(refresh);
  });
  retitle();
  refresh();
  setInterval(refresh, 5000);
})();
`;
