// Copy buttons: <button class="copy" data-copy="ID"> copies the value or
// text of the element with that id and says so.
document.addEventListener('click', function (ev) {
  var b = ev.target.closest('button.copy');
  if (!b) return;
  var el = document.getElementById(b.dataset.copy);
  if (!el) return;
  var text = el.value !== undefined ? el.value : el.textContent;
  var done = function () { var t = b.textContent; b.textContent = 'Copied'; setTimeout(function () { b.textContent = t; }, 1500); };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(done, function () { select(el); });
  } else { select(el); document.execCommand && document.execCommand('copy'); done(); }
});
function select(el) {
  if (el.select) { el.select(); return; }
  var r = document.createRange(); r.selectNodeContents(el);
  var s = window.getSelection(); s.removeAllRanges(); s.addRange(r);
}
