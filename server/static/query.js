// The query page: YASGUI against this server's /sparql, with the example queries of queries/.
(function () {
  "use strict";
  function start() {
    var holder = document.getElementById("yasgui");
    if (!holder || typeof window.Yasgui === "undefined") {
      if (holder) holder.textContent = "YASGUI could not be loaded; send queries to /sparql directly.";
      return;
    }
    var examples = [];
    try {
      examples = JSON.parse(document.getElementById("example-data").textContent || "[]");
    } catch (e) {
      examples = [];
    }
    var endpoint = new URL(holder.getAttribute("data-endpoint") || "/sparql", window.location.href).href;
    var first = examples.length ? examples[0].query : "SELECT * WHERE { ?s ?p ?o } LIMIT 10";
    Yasgui.Yasqe.defaults.value = first;
    // The table shows values as a reader wants them: "1", not "1"^^<…#integer> (YASR's "Simple
    // view"), and whole, wrapping in their cell, not cut to "中国…" ("Ellipse" off); both switches
    // stay above the table.
    var table = Yasgui.Yasr.defaults.plugins && Yasgui.Yasr.defaults.plugins.table;
    if (table) table.dynamicConfig = Object.assign({ compact: true, isEllipsed: false }, table.dynamicConfig || {});
    var yasgui = new Yasgui(holder, {
      requestConfig: { endpoint: endpoint, method: "POST" },
      copyEndpointOnNewTab: false,
      endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
      persistenceId: null,
    });
    window.pilotkgYasgui = yasgui;
    localLinks(holder, holder.getAttribute("data-id-prefix") || "");
    watchTruncation(yasgui);
    var buttons = document.querySelectorAll("button.example");
    Array.prototype.forEach.call(buttons, function (button) {
      button.addEventListener("click", function () {
        var ex = examples[Number(button.getAttribute("data-index"))];
        if (!ex) return;
        var tab = yasgui.getTab();
        var yasqe = tab.getYasqe();
        yasqe.setValue(ex.query);
        yasqe.query();
      });
    });
  }
  // Result links to this dataset's IRIs open the local /id/ pages; the IRIs shown stay as they are.
  function localLinks(holder, prefix) {
    if (!prefix || typeof MutationObserver === "undefined") return;
    function rewrite(root) {
      var anchors = root.querySelectorAll ? root.querySelectorAll("a[href]") : [];
      Array.prototype.forEach.call(anchors, function (a) {
        var href = a.getAttribute("href");
        if (href && href.indexOf(prefix) === 0) {
          a.setAttribute("data-iri", href);
          a.setAttribute("href", "/id/" + href.slice(prefix.length));
          a.removeAttribute("target");
        }
      });
    }
    new MutationObserver(function (changes) {
      changes.forEach(function (change) {
        Array.prototype.forEach.call(change.addedNodes, rewrite);
      });
    }).observe(holder, { childList: true, subtree: true });
    rewrite(holder);
  }
  // An answer cut at the server's row limit says so above the results (the X-PilotKG-Truncated header).
  function watchTruncation(yasgui) {
    var notice = document.getElementById("truncation-notice");
    var watched = [];
    function onResponse() {
      var response = null;
      Array.prototype.forEach.call(arguments, function (arg) {
        if (arg && arg.headers && typeof arg.headers.get === "function") response = arg;
      });
      if (!notice || !response) return;
      var cut = response.headers.get("X-PilotKG-Truncated");
      notice.hidden = !cut;
      notice.textContent = cut ? "This answer is incomplete: " + cut + ". Add a LIMIT or make the query more selective." : "";
    }
    function watch() {
      var tab = yasgui.getTab();
      var yasqe = tab && tab.getYasqe();
      if (yasqe && watched.indexOf(yasqe) < 0) {
        watched.push(yasqe);
        yasqe.on("queryResponse", onResponse);
      }
    }
    watch();
    yasgui.on("tabSelect", function () { setTimeout(watch, 0); });
    yasgui.on("tabAdd", function () { setTimeout(watch, 0); });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
