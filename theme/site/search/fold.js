/* fiches: search as agents type. Appended by builder/outputs/site/search.py to the French language file that
   Material's search worker imports (lunr.fr), so that it runs inside the worker, offline.
   - index: every token is folded (accents dropped, ligatures written out: the same mapping as
     builder.text.fold, injected below as FOLD_MAP) after the stop-word filter and before the stemmer;
   - query: every term is folded the same way, and the terms Material sends as prefixes ("term*",
     which lunr runs without its pipeline) are also stemmed, so that « égalités » and « egalite »
     meet the stem of « égalité ». */
(function (lunr) {
  "use strict";
  if (!lunr || !lunr.fr || lunr.fr.fichesFold) return;
  var FOLD_MAP = /*FOLD_MAP*/{};
  function fold(text) {
    return String(text).replace(/[^\x00-\x7f]/g, function (c) {
      if (Object.prototype.hasOwnProperty.call(FOLD_MAP, c)) return FOLD_MAP[c];
      return c.normalize("NFKD").replace(/[^\x00-\x7f]/g, "");
    });
  }
  function foldToken(token) {
    return token.update(function (s) { return fold(s).toLowerCase(); });
  }
  lunr.Pipeline.registerFunction(foldToken, "fold-fr");

  var plugin = lunr.fr;
  var wrapped = function () {
    plugin.apply(this, arguments);
    this.pipeline.before(plugin.stemmer, foldToken);
    if (this.searchPipeline) this.searchPipeline.before(plugin.stemmer, foldToken);
  };
  for (var key in plugin) if (Object.prototype.hasOwnProperty.call(plugin, key)) wrapped[key] = plugin[key];
  wrapped.fichesFold = fold;
  lunr.fr = wrapped;

  var parse = lunr.QueryParser.prototype.parse;
  lunr.QueryParser.prototype.parse = function () {
    var query = parse.apply(this, arguments);
    var clauses = (query || this.query).clauses;
    for (var i = 0; i < clauses.length; i++) {
      var clause = clauses[i];
      var lead = clause.term.charAt(0) === "*" ? "*" : "";
      var trail = clause.term.length > 1 && clause.term.slice(-1) === "*" ? "*" : "";
      var core = fold(clause.term.slice(lead.length, clause.term.length - trail.length)).toLowerCase();
      if (!clause.usePipeline && core)
        core = plugin.stemmer(new lunr.Token(core)).toString();
      clause.term = lead + core + trail;
    }
    return query;
  };
})(self.lunr);
