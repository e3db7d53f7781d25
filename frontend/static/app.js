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
