/*
 * authtrace store: the recorder's persistence in IndexedDB (database "authtrace",
 * object store "events"), so a reload of the tab keeps its story.
 *
 * A classic script; the Python recorder loads it next to boot.js when it starts
 * (nothing else needs it, so pages do not have to). It installs
 * `globalThis.__authtraceStore`, every method returning a promise:
 *
 *   put(records)   append records (strings)
 *   all()          every record, oldest first
 *   count()        how many
 *   trim(keep)     drop the oldest so at most `keep` remain
 *   clear()        drop all
 *
 * Only the Python recorder writes here, and only redacted event JSON. Where
 * IndexedDB is missing or refuses (private mode, quota) the promises reject and
 * the recorder goes on in memory.
 */
(function () {
  "use strict";
  var g = globalThis;
  if (g.__authtraceStore) return;

  var DB = "authtrace", STORE = "events", dbp = null;
  function open() {
    if (dbp) return dbp;
    dbp = new Promise(function (resolve, reject) {
      if (!g.indexedDB) { reject(new Error("IndexedDB unavailable")); return; }
      var req = g.indexedDB.open(DB, 1);
      req.onupgradeneeded = function () { req.result.createObjectStore(STORE, { autoIncrement: true }); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
    return dbp;
  }
  function tx(mode, fn) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(STORE, mode), out = fn(t.objectStore(STORE));
        t.oncomplete = function () { resolve(out && out.result !== undefined ? out.result : undefined); };
        t.onerror = function () { reject(t.error); };
        t.onabort = function () { reject(t.error); };
      });
    });
  }
  g.__authtraceStore = {
    version: "1",
    put: function (records) { return tx("readwrite", function (s) { for (var i = 0; i < records.length; i++) s.add(records[i]); }); },
    all: function () { return tx("readonly", function (s) { return s.getAll(); }); },
    count: function () { return tx("readonly", function (s) { return s.count(); }); },
    clear: function () { return tx("readwrite", function (s) { s.clear(); }); },
    trim: function (keep) {
      return tx("readwrite", function (s) {
        var c = s.count();
        c.onsuccess = function () {
          var extra = c.result - keep;
          if (extra <= 0) return;
          var cur = s.openCursor();
          cur.onsuccess = function () { var k = cur.result; if (k && extra-- > 0) { k.delete(); k.continue(); } };
        };
      });
    },
  };
})();
