// Copy buttons: <button class="copy" data-copy="ID"> copies the value or
// text of the element with that id, and says so on the button (its text
// and accessible name) for a moment. When the clipboard is not available
// the text is selected and the button asks for Ctrl+C.
document.addEventListener('click', function (ev) {
  var b = ev.target.closest('button.copy');
  if (!b) return;
  var el = document.getElementById(b.dataset.copy);
  if (!el) return;
  var text = el.tagName === 'INPUT' ? el.value : el.textContent;
  var say = function (msg) {
    var t = b.textContent, l = b.getAttribute('aria-label');
    b.textContent = msg;
    if (l !== null) b.setAttribute('aria-label', msg);
    setTimeout(function () { b.textContent = t; if (l !== null) b.setAttribute('aria-label', l); }, 2000);
  };
  var fallback = function () { select(el); say('Press Ctrl+C'); };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(function () { say('Copied'); }, fallback);
  } else {
    fallback();
  }
});
function select(el) {
  if (el.select) { el.focus(); el.select(); return; }
  var r = document.createRange(); r.selectNodeContents(el);
  var s = window.getSelection(); s.removeAllRanges(); s.addRange(r);
}

// Live progress of a job's run (the job page's #progress section): while
// the run is queued or running, poll data-url every second and redraw the
// summary and one row per connection; once it is done, the last row links
// to the run's page. Without script the page refreshes itself instead
// (<noscript> meta refresh).
(function () {
  var box = document.getElementById('progress');
  if (!box || !window.fetch) return;
  var live = function (s) { return s === 'queued' || s === 'running'; };
  if (!live(box.dataset.state)) return;
  var cell = function (tr, text) { var td = document.createElement('td'); td.textContent = text; tr.appendChild(td); return td; };
  function draw(p) {
    box.dataset.state = p.state;
    document.getElementById('progress-summary').textContent = p.summary;
    var err = document.getElementById('progress-error');
    err.textContent = p.error || '';
    err.hidden = !p.error;
    var rows = document.getElementById('progress-rows');
    while (rows.firstChild) rows.removeChild(rows.firstChild);
    (p.accounts || []).forEach(function (a) {
      var tr = document.createElement('tr');
      [a.account, a.tables, a.table, String(a.rows), String(a.requests), a.budget, a.eta].forEach(function (t) { cell(tr, t); });
      var run = cell(tr, a.run_url ? '' : '—');
      if (a.run_url) {
        var l = document.createElement('a');
        l.href = a.run_url;
        l.textContent = a.run_label;
        run.appendChild(l);
        run.appendChild(document.createTextNode(' ' + (a.status || '')));
      }
      rows.appendChild(tr);
    });
    document.getElementById('progress-table').hidden = !(p.accounts && p.accounts.length);
  }
  function tick() {
    fetch(box.dataset.url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (p) { draw(p); if (live(p.state)) setTimeout(tick, 1000); })
      .catch(function () { setTimeout(tick, 3000); });
  }
  setTimeout(tick, 500);
})();
