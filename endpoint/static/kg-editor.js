/* Kennisgraaf query editor: starts YASGUI (served from /static/yasgui/) on top of the plain form
 * of /sparql. Without JavaScript, or when YASGUI is not installed, the form keeps working.
 *
 * Nothing here talks to another host: the endpoint is /sparql on this origin, the class and
 * property suggestions come from our own ontology and shapes (in the page's JSON block, instead
 * of YASQE's default lookups at lov.linkeddata.es), the prefix suggestions are our own prefixes
 * (instead of the bundled prefix.cc snapshot), no URL shortener is configured, and nothing is
 * kept in localStorage between visits.
 */
(function () {
  "use strict";

  var configEl = document.getElementById("kg-editor-config");
  var mount = document.getElementById("yasgui");
  var form = document.getElementById("kg-query-form");
  if (!configEl || !mount || typeof window.Yasgui === "undefined") {
    return; // the plain form stays
  }
  var cfg = JSON.parse(configEl.textContent);
  var Yasgui = window.Yasgui;
  var Yasqe = Yasgui.Yasqe;
  // YASGUI needs an absolute URL; this one is on our own origin.
  var endpoint = new URL(cfg.endpoint, window.location.href).href;

  var prefixLines = Object.keys(cfg.prefixes).map(function (p) {
    return p + ": <" + cfg.prefixes[p] + ">";
  });
  // Bulk completers get their whole list at once (an array), so they never fetch anything.
  Yasqe.forkAutocompleter("prefixes", { name: "kg-prefixes", get: prefixLines, persistenceId: null }, false);
  Yasqe.forkAutocompleter("class", { name: "kg-class", get: cfg.classes, bulk: true, persistenceId: null }, false);
  Yasqe.forkAutocompleter("property", { name: "kg-property", get: cfg.properties, bulk: true, persistenceId: null }, false);
  // Same length as the default list (variables, prefixes, property, class): YASGUI deep-merges it.
  Yasqe.defaults.autocompleters = ["variables", "kg-prefixes", "kg-property", "kg-class"];

  var yasgui;
  mount.hidden = false; // CodeMirror measures its container while it starts: show it first
  try {
    yasgui = new Yasgui(mount, {
      requestConfig: { endpoint: endpoint, method: "POST" },
      endpointCatalogueOptions: {
        getData: function () {
          return [{ endpoint: endpoint }];
        },
      },
      copyEndpointOnNewTab: true,
      corsProxy: undefined,
      persistenceId: null, // start from the examples on every visit; nothing in localStorage
      tabName: cfg.tabName,
      // A shared link (#query=...) opens in a tab, but always against this server's endpoint.
      populateFromUrl: function (tab) {
        tab.requestConfig.endpoint = endpoint;
        return tab;
      },
      yasqe: {
        value: cfg.query,
        persistenceId: null,
        createShortLink: undefined,
        screenReaderLabel: "SPARQL-query",
        editorHeight: "360px",
      },
      yasr: { persistenceId: null, prefixes: cfg.prefixes },
    });
  } catch (err) {
    mount.hidden = true;
    if (window.console) {
      window.console.error("YASGUI kon niet starten; het formulier blijft beschikbaar", err);
    }
    return;
  }
  if (form) {
    form.hidden = true;
  }

  // WCAG 2.1 AA touch-ups of YASGUI's own markup, checked with axe-core in the browser tests.
  // YASGUI re-renders tabs and results, so they run again after every change (batched per frame).
  function touchUp() {
    // A tablist may only hold tabs: the "new tab" button goes right after the list instead.
    mount.querySelectorAll(".tabsList").forEach(function (list) {
      var add = list.querySelector(".addTab");
      var holder = add && add.parentElement;
      if (holder && holder.parentElement === list) {
        holder.removeAttribute("role");
        holder.classList.add("kg-addtab");
        list.parentElement.insertBefore(holder, list.nextSibling);
      }
    });
    mount.querySelectorAll("input.autocomplete:not([aria-label])").forEach(function (input) {
      input.setAttribute("aria-label", "SPARQL-endpoint");
    });
    // The query text scrolls: it must be reachable by keyboard.
    mount.querySelectorAll('.CodeMirror-scroll:not([tabindex="0"])').forEach(function (el) {
      el.setAttribute("tabindex", "0");
      el.setAttribute("aria-label", "SPARQL-query (scrollen met de pijltjestoetsen)");
    });
    mount.querySelectorAll("input:not([type=hidden]):not([aria-label]):not([id]), select:not([aria-label])").forEach(function (el) {
      if (!el.closest("label")) {
        el.setAttribute("aria-label", el.getAttribute("placeholder") || el.getAttribute("title") || el.getAttribute("name") || "invoer");
      }
    });
  }
  var pending = false;
  new MutationObserver(function () {
    if (!pending) {
      pending = true;
      window.requestAnimationFrame(function () {
        pending = false;
        touchUp();
      });
    }
  }).observe(mount, { childList: true, subtree: true });
  touchUp();

  var byId = {};
  cfg.examples.forEach(function (e) {
    byId[e.id] = e;
  });
  // An example link opens the example in a tab of its own (or selects it if it is open).
  document.querySelectorAll("a[data-voorbeeld]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var example = byId[link.getAttribute("data-voorbeeld")];
      if (!example || event.ctrlKey || event.metaKey || event.shiftKey) {
        return; // let the browser follow the link (a new window keeps working)
      }
      event.preventDefault();
      yasgui.addTab(true, { name: example.title, yasqe: { value: example.query } }, { avoidDuplicateTabs: true });
      var heading = document.getElementById("editor-kop");
      var explanation = document.getElementById("editor-uitleg");
      if (heading) {
        heading.textContent = "Voorbeeld: " + example.title;
      }
      if (explanation) {
        explanation.textContent = example.description;
      }
      document.getElementById("editor").scrollIntoView();
    });
  });
})();
