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
    var yasgui = new Yasgui(holder, {
      requestConfig: { endpoint: endpoint, method: "POST" },
      copyEndpointOnNewTab: false,
      endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
      persistenceId: null,
    });
    window.pilotkgYasgui = yasgui;
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
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
