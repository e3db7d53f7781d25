// Lead capture at a fair booth. Fair halls have bad networks: each lead is kept on the phone
// (localStorage) with its own idempotency key, sent when the network allows, and removed only
// once the server has it. Sending the same lead twice returns the same request.
(() => {
  const form = document.getElementById('lead-form');
  if (!form) return;
  const fairId = form.dataset.fairId;
  const store = `ketnoi-leads-${fairId}`;
  const status = document.getElementById('lead-queue');
  const booth = document.getElementById('lead-booth');

  window.ketnoiKeepOffline?.('/hoi-cho/sw.js', '/hoi-cho/');

  const load = () => { try { return JSON.parse(localStorage.getItem(store) || '[]'); } catch (_) { return []; } };
  const save = (leads) => localStorage.setItem(store, JSON.stringify(leads));
  const key = () => (crypto.randomUUID ? crypto.randomUUID()
    : Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join(''));

  const show = (note) => {
    const n = load().length;
    status.dataset.waiting = String(n);
    if (n === 0 && !note) { status.hidden = true; return; }
    status.hidden = false;
    status.textContent = n > 0 ? form.dataset.waiting.replace('{n}', n) : note;
  };

  const showProducts = () => {
    for (const group of form.querySelectorAll('.booth-products')) {
      const mine = group.dataset.booth === booth.value;
      group.hidden = !mine;
      if (!mine) for (const box of group.querySelectorAll('input')) box.checked = false;
    }
  };
  booth.addEventListener('change', showProducts);
  showProducts();

  let sending = false;
  const flush = async () => {
    if (sending) return;
    sending = true;
    try {
      for (const lead of load()) {
        let response;
        try {
          response = await fetch(`/api/v1/fairs/${fairId}/leads`, {
            method: 'POST',
            credentials: 'same-origin',
            headers: { 'Content-Type': 'application/json', 'Idempotency-Key': lead.key },
            body: JSON.stringify(lead.body),
          });
        } catch (_) {
          break; // offline: try again later
        }
        if (response.ok) {
          save(load().filter((l) => l.key !== lead.key));
        } else if (response.status === 422) {
          const problem = await response.json().catch(() => null);
          const kept = load().map((l) => (l.key === lead.key ? { ...l, error: problem?.error?.message || 'invalid' } : l));
          save(kept);
        } else {
          break; // signed out or server trouble: keep everything
        }
      }
    } finally {
      sending = false;
      show();
    }
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = {
      booth: data.get('booth'),
      contact_name: data.get('contact_name'),
      contact_phone: data.get('contact_phone'),
      organisation: data.get('organisation'),
      product_ids: data.getAll('product_ids').map(Number),
      quantity: data.get('quantity') || null,
      unit: data.get('unit') || null,
      note: data.get('note'),
    };
    save([...load(), { key: key(), body, at: Date.now() }]);
    const keepBooth = booth.value;
    form.reset();
    booth.value = keepBooth;
    showProducts();
    show(navigator.onLine ? form.dataset.sent : form.dataset.queued);
    flush();
  });

  window.addEventListener('online', flush);
  setInterval(flush, 15000);
  show();
  flush();
})();
