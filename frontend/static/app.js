// Small enhancements; every page works without this file.
document.documentElement.classList.add('js');

// With scripts the communes load by themselves; the no-script "choose province" button goes.
for (const button of document.querySelectorAll('button.js-hide')) button.remove();

// Province → commune selects: fill the communes without a round trip through the form.
document.addEventListener('change', async (event) => {
  const province = event.target.closest('select[data-communes]');
  if (!province) return;
  const target = document.getElementById(province.dataset.communes);
  if (!target) return;
  const first = target.options[0];
  target.replaceChildren(first);
  if (!province.value) return;
  try {
    const response = await fetch(`/api/v1/provinces/${encodeURIComponent(province.value)}/communes`);
    if (!response.ok) return;
    for (const commune of await response.json()) {
      target.add(new Option(commune.name, commune.code));
    }
  } catch (_) {
    // Offline: the "choose province" button still works.
  }
});

// Ask before destructive actions.
document.addEventListener('submit', (event) => {
  const message = event.target.dataset.confirm;
  if (message && !window.confirm(message)) event.preventDefault();
});

// Search as you type: fetch the results of the search form (debounced) and swap them in.
// Without scripts the form is an ordinary GET form.
{
  const input = document.querySelector('input[data-live-search]');
  if (input) {
    const form = input.form;
    let timer = null;
    let inflight = null;
    const refresh = async () => {
      const params = new URLSearchParams(new FormData(form));
      params.delete('page');
      const url = `${form.action}?${params}`;
      inflight?.abort();
      inflight = new AbortController();
      try {
        const response = await fetch(url, { signal: inflight.signal, headers: { Accept: 'text/html' } });
        if (!response.ok) return;
        const html = new DOMParser().parseFromString(await response.text(), 'text/html');
        const fresh = html.getElementById('search-results');
        const current = document.getElementById('search-results');
        if (fresh && current) current.replaceWith(fresh);
        history.replaceState(null, '', url);
      } catch (_) {
        // Aborted by a newer keystroke, or offline: the submit button still works.
      }
    };
    input.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(refresh, 300);
    });
    form.addEventListener('change', (event) => {
      if (event.target.type === 'checkbox' || event.target.tagName === 'SELECT') refresh();
    });
  }
}
