// A facility survey written down at a workshop, where the network often is not. Each survey
// (its answers and its photos) is kept on the phone in IndexedDB with its own key, sent when
// the network allows, and removed only once the server has it and every photo: sending the
// same survey or photo again changes nothing on the server.
(() => {
  const form = document.getElementById('survey-form');
  if (!form || !('indexedDB' in window)) return;
  const status = document.getElementById('survey-queue');
  const sentList = document.getElementById('survey-sent');
  const enterprise = document.getElementById('survey-enterprise');
  const facility = document.getElementById('survey-facility');

  window.ketnoiKeepOffline?.('/staff/surveys/sw.js', '/staff/surveys/');

  const open = () => new Promise((resolve, reject) => {
    const req = indexedDB.open('ketnoi-surveys', 1);
    req.onupgradeneeded = () => req.result.createObjectStore('queue', { keyPath: 'key' });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  const tx = async (mode, run) => {
    const db = await open();
    return new Promise((resolve, reject) => {
      const t = db.transaction('queue', mode);
      const result = run(t.objectStore('queue'));
      t.oncomplete = () => { db.close(); resolve(result && 'result' in result ? result.result : undefined); };
      t.onerror = () => { db.close(); reject(t.error); };
    });
  };
  // In the order they were written: the store itself returns them by key, which is random.
  // A shared phone keeps each staff member's surveys apart: only the signed-in one's are sent
  // (under their own session), the others wait for their owner.
  const me = form.dataset.user || '';
  const all = () => tx('readonly', (s) => s.getAll())
    .then((items) => items.filter((i) => (i.user || '') === me).sort((a, b) => a.at - b.at));
  const put = (item) => tx('readwrite', (s) => s.put(item));
  const remove = (key) => tx('readwrite', (s) => s.delete(key));
  const newKey = () => (crypto.randomUUID ? crypto.randomUUID()
    : Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join(''));

  const show = async (note) => {
    const queued = await all().catch(() => []);
    const n = queued.length;
    status.dataset.waiting = String(n);
    const errors = queued.filter((q) => q.error).map((q) => `${q.body.facility_name || q.label}: ${q.error}`);
    if (n === 0 && !note) { status.hidden = true; return; }
    status.hidden = false;
    status.textContent = n > 0
      ? [form.dataset.waiting.replace('{n}', n), ...errors.map((e) => `${form.dataset.failed} ${e}`)].join(' ')
      : note;
  };

  const sent = (survey) => {
    const li = document.createElement('li');
    const a = document.createElement('a');
    a.href = `/staff/surveys/${survey.id}`;
    a.textContent = `${survey.facility} · ${form.dataset.sent}`;
    li.append(a);
    sentList.append(li);
    sentList.hidden = false;
  };

  const showFacility = () => { facility.hidden = Boolean(enterprise.value); };
  enterprise.addEventListener('change', showFacility);
  showFacility();

  let sending = false;
  const flush = async () => {
    if (sending) return;
    sending = true;
    try {
      for (const item of await all()) {
        if (item.error) continue;
        try {
          if (!item.surveyId) {
            const response = await fetch('/api/v1/surveys', {
              method: 'POST',
              credentials: 'same-origin',
              headers: { 'Content-Type': 'application/json', 'Idempotency-Key': item.key },
              body: JSON.stringify(item.body),
            });
            if (response.status === 422 || response.status === 400) {
              const problem = await response.json().catch(() => null);
              item.error = problem?.error?.message || 'invalid';
              await put(item);
              continue;
            }
            if (!response.ok) break; // signed out or server trouble: keep everything
            const survey = await response.json();
            item.surveyId = survey.id;
            item.facility = survey.facility;
            await put(item);
          }
          while (item.photos.length > 0) {
            const data = new FormData();
            data.append('file', item.photos[0], item.names[0] || 'anh.jpg');
            const response = await fetch(`/api/v1/surveys/${item.surveyId}/photos`, {
              method: 'POST', credentials: 'same-origin', body: data,
            });
            if ([409, 413, 422].includes(response.status)) {
              // Not a photo, too large, or one too many: the survey is kept without it.
            } else if (!response.ok) {
              throw new Error(`photo ${response.status}`);
            }
            item.photos.shift();
            item.names.shift();
            await put(item);
          }
          await remove(item.key);
          sent({ id: item.surveyId, facility: item.facility });
        } catch (_) {
          break; // offline: try again later
        }
      }
    } finally {
      sending = false;
      show();
    }
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const number = (v) => (v && String(v).trim() ? Number(v) : null);
    const body = {
      enterprise_id: number(data.get('enterprise_id')),
      facility_name: data.get('facility_name') || null,
      commune_code: number(data.get('commune_code')),
      visited_on: data.get('visited_on'),
      met: data.get('met'),
      makes: data.get('makes'),
      output: data.get('output'),
      equipment: data.get('equipment'),
      needs: Array.from(form.querySelectorAll('input[name^="need_"]:checked'), (box) => box.name.slice(5)),
      notes: data.get('notes'),
    };
    const files = Array.from(document.getElementById('survey-photos').files || []);
    const label = enterprise.selectedOptions[0]?.textContent || '';
    await put({ key: newKey(), user: me, body, photos: files, names: files.map((f) => f.name), label, at: Date.now() });
    const day = form.elements.visited_on.value;
    form.reset();
    form.elements.visited_on.value = day;
    showFacility();
    show(navigator.onLine ? form.dataset.sent : form.dataset.queued);
    flush();
  });

  window.addEventListener('online', flush);
  setInterval(flush, 15000);
  show();
  flush();
})();
