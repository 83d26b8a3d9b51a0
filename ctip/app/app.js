// The course page in the app: language of the page, and a clear message when the page has lost its
// kernel (the server stopped, the computer slept, or the kernel was restarted): the buttons no
// longer answer, so the trainee is told to reload; answers are already in the answer file.
(function () {
  document.documentElement.lang = @@js:lang@@;
  var cfg = {};
  try { cfg = JSON.parse(document.getElementById("jupyter-config-data").textContent); } catch (e) { return; }
  if (!cfg.kernelId) { return; }
  var url = (cfg.baseUrl || "/") + "api/kernels/" + cfg.kernelId;
  var misses = 0;
  function dead() {
    var el = document.getElementById("ctip-dead");
    if (el) { el.hidden = false; }
    document.body.dataset.ctipDead = "1";
  }
  function check() {
    fetch(url, {cache: "no-store", credentials: "same-origin"}).then(function (r) {
      if (r.status === 404) { dead(); return; }
      misses = 0;
      setTimeout(check, 5000);
    }).catch(function () {
      misses += 1;
      if (misses >= 2) { dead(); } else { setTimeout(check, 3000); }
    });
  }
  setTimeout(check, 5000);
})();
