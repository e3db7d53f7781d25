// Follows a running import: asks the server for its progress every second and updates the
// bar; the server keeps the state, so a reload picks it up where it is.
(function () {
  var script = document.currentScript;
  var id = script && script.getAttribute('data-import');
  if (!id) return;
  function set(elId, value) {
    var el = document.getElementById(elId);
    if (el) el.textContent = value;
  }
  function tick() {
    fetch('/api/v1/imports/' + id, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (job) {
        if (!job) { setTimeout(tick, 3000); return; }
        var bar = document.getElementById('import-bar');
        if (bar) { bar.value = job.percent; bar.textContent = job.percent + '%'; }
        set('import-percent', job.percent);
        set('import-done', job.done_rows);
        if (job.rows_per_second != null) set('import-rate', job.rows_per_second);
        if (job.seconds_left != null) set('import-left', job.seconds_left);
        set('done-create', job.done.create);
        set('done-update', job.done.update);
        set('done-invalid', job.done.invalid);
        if (job.status === 'done' || job.status === 'failed') {
          window.location.reload();
        } else {
          setTimeout(tick, 1000);
        }
      })
      .catch(function () { setTimeout(tick, 3000); });
  }
  setTimeout(tick, 500);
})();
