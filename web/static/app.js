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
