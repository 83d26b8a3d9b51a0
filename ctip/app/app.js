// The course page in the app: language of the page, and a clear message when the page has lost its
// kernel (the server stopped, the computer slept, or the kernel was restarted): the buttons no
// longer answer, so the trainee is told to reload; answers are already in the answer file.
(function () {
  document.documentElement.lang = @@js:lang@@;
  // links inside widget and HTML outputs (e.g. the progress table) are handled by JupyterLab's
  // renderer, which does not know the app's pages: follow them as plain page links
  document.addEventListener("click", function (e) {
    var a = e.target.closest && e.target.closest("a[data-ctip-href]");
    if (!a) { return; }
    e.preventDefault();
    e.stopPropagation();
    window.location.href = new URL(a.getAttribute("data-ctip-href"), window.location.href).href;
  }, true);
  // Voilà's page never sets the _xsrf cookie, so the kernel shutdown it sends when the page is left
  // is refused (403) and kernels pile up; the app's tree page sets it
  if (!/\b_xsrf=/.test(document.cookie)) {
    var base = "/";
    try { base = JSON.parse(document.getElementById("jupyter-config-data").textContent).baseUrl || "/"; } catch (e) {}
    fetch(base + "voila/tree", {credentials: "same-origin", cache: "no-store"}).catch(function () {});
  }
  // Under load, Voilà's widget manager can give up waiting for the kernel's widget states (a fixed
  // 4 s limit in @jupyter-widgets) and some outputs then read "model not found" although the kernel
  // has the models. Remember which widget each output shows, and once the manager has restored,
  // load the states again and draw the missing widgets.
  var WIDGET = "application/vnd.jupyter.widget-view+json";
  document.querySelectorAll('script[type="application/vnd.voila.cell-output+json"]').forEach(function (el) {
    try {
      var out = JSON.parse(el.textContent);
      if (out.data && out.data[WIDGET] && el.parentElement) {
        el.parentElement.setAttribute("data-ctip-model", out.data[WIDGET].model_id);
      }
    } catch (e) { /* not JSON: leave it to Voilà */ }
  });
  // body[data-ctip-widgets='1'] once every widget output shows its widget (what the browser
  // tests and the speed benchmark wait for); outputs Voilà left broken or never drew are redrawn
  // first. Checked every 100 ms; after 60 s of waiting the ones still missing count as broken.
  function drawn(host) { return host.querySelector(".jupyter-widgets") !== null; }
  function broken(host) { return !drawn(host) || /model not found/.test(host.textContent); }
  var restoredAt = null;
  function repair(tries) {
    var app = window.jupyterapp, wm = app && app.widgetManager;
    var hosts = [].slice.call(document.querySelectorAll("[data-ctip-model]"));
    if (!wm || !wm.restoredStatus) { if (tries < 6000) { setTimeout(function () { repair(tries + 1); }, 100); } return; }
    restoredAt = restoredAt || Date.now();
    if (!hosts.every(drawn) && Date.now() - restoredAt < 60000) { setTimeout(function () { repair(tries + 1); }, 100); return; }
    var bad = hosts.filter(broken);
    document.body.dataset.ctipRepaired = String(bad.length);
    if (!bad.length) { document.body.dataset.ctipWidgets = "1"; return; }
    wm._loadFromKernel().then(function () {
      bad.forEach(function (host) {
        var r = wm.rendermime.createRenderer(WIDGET);
        var data = {}; data[WIDGET] = {model_id: host.getAttribute("data-ctip-model"), version_major: 2, version_minor: 0};
        [].slice.call(host.children).forEach(function (c) {
          if (c.tagName !== "SCRIPT") { host.removeChild(c); }
        });
        host.appendChild(r.node);
        r.addClass("jp-OutputArea-output");
        r.renderModel({data: data, metadata: {}, trusted: true});
      });
      document.body.dataset.ctipWidgets = "1";
    }).catch(function (e) { console.warn("ctip: widgets could not be restored", e); });
  }
  repair(0);
  // a lost kernel (server stopped, computer slept, kernel died or restarted): say what to do
  var lostTimer = null;
  function dead() {
    var el = document.getElementById("ctip-dead");
    if (el) { document.body.appendChild(el); el.hidden = false; }   // out of the scrolling cells: stays in view
    document.body.dataset.ctipDead = "1";
  }
  function watch(tries) {
    var app = window.jupyterapp, wm = app && app.widgetManager, k = wm && wm.kernel;
    if (!k) { if (tries < 600) { setTimeout(function () { watch(tries + 1); }, 500); } return; }
    k.statusChanged.connect(function (_, status) {
      if (status === "dead" || status === "restarting" || status === "autorestarting") { dead(); }
    });
    k.connectionStatusChanged.connect(function (_, status) {
      if (status === "connected") { clearTimeout(lostTimer); lostTimer = null; return; }
      if (!lostTimer) { lostTimer = setTimeout(dead, status === "disconnected" ? 0 : 4000); }
    });
    if (k.isDisposed || k.status === "dead") { dead(); }
  }
  setTimeout(function () { watch(0); }, 500);
})();
