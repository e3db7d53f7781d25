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

// Pages staff fill in where there is no network (lead capture, facility surveys) register the
// service worker that keeps them. On the first visit the page and its assets loaded before
// the worker existed: ask it to keep them now, so the page opens offline without another
// visit.
window.ketnoiKeepOffline = (worker, scope) => {
  if (!('serviceWorker' in navigator)) return;
  const firstVisit = !navigator.serviceWorker.controller;
  navigator.serviceWorker.register(worker, { scope })
    .then(() => navigator.serviceWorker.ready)
    .then((registration) => {
      if (!firstVisit || !registration.active) return;
      const assets = document.querySelectorAll('script[src], link[rel="stylesheet"][href], link[rel="icon"][href]');
      registration.active.postMessage({ keep: [location.pathname, ...Array.from(assets, (el) => el.src || el.href)] });
    })
    .catch(() => {});
};

// Filters stand open on a wide screen through CSS; a browser that cannot style a closed
// <details> that way gets them opened here.
if (!CSS.supports?.('selector(::details-content)')) {
  for (const panel of document.querySelectorAll('details[data-open-from]')) {
    if (matchMedia(`(min-width: ${panel.dataset.openFrom})`).matches) panel.open = true;
  }
}

// Ask before destructive actions.
document.addEventListener('submit', (event) => {
  const message = event.target.dataset.confirm;
  if (message && !window.confirm(message)) event.preventDefault();
});

// Photos below the first screen wait until they are about to be seen (half a screen ahead):
// on a slow 3G line a phone then downloads what the person looks at, where the browser's own
// lazy loading would fetch several screens ahead. Without scripts they load as usual.
const showDeferred = (() => {
  const show = (picture) => {
    for (const el of picture.querySelectorAll('[data-srcset]')) {
      el.srcset = el.dataset.srcset;
      delete el.dataset.srcset;
    }
    const img = picture.querySelector('img[data-src]');
    if (img) {
      img.src = img.dataset.src;
      delete img.dataset.src;
    }
    picture.removeAttribute('data-defer');
  };
  const watch = (options, enough) => new IntersectionObserver((entries, observer) => {
    for (const entry of entries) {
      if (!entry.isIntersecting || entry.intersectionRatio < enough) continue;
      observer.unobserve(entry.target);
      show(entry.target);
    }
  }, options);
  const io = 'IntersectionObserver' in window;
  const near = io && watch({ rootMargin: '50% 0px' }, 0);
  // A gallery's next photo peeks in at its edge: it loads once a tenth of it is swiped in.
  const swiped = io && watch({ threshold: 0.1 }, 0.1);
  return (root) => {
    for (const picture of root.querySelectorAll('picture[data-defer]')) {
      if (!io) show(picture);
      else (picture.closest('.gallery') ? swiped : near).observe(picture);
    }
  };
})();
showDeferred(document);

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
        // 422: the query cannot run (too long); the results part says why.
        if (!response.ok && response.status !== 422) return;
        const html = new DOMParser().parseFromString(await response.text(), 'text/html');
        const fresh = html.getElementById('search-results');
        const current = document.getElementById('search-results');
        // A box inside the results (the commune picker) keeps the focus while typing, and a
        // ticked filter keeps it for the keyboard.
        const active = current?.contains(document.activeElement) ? document.activeElement : null;
        const focused = !active?.name ? null : active.type === 'checkbox'
          ? `[name="${CSS.escape(active.name)}"][value="${CSS.escape(active.value)}"]`
          : `[name="${CSS.escape(active.name)}"]`;
        // The filters stay open (or closed) as the person left them.
        const open = current?.querySelector('details.facets')?.open;
        const panel = fresh?.querySelector('details.facets');
        if (panel && open !== undefined) panel.open = open;
        if (fresh && current) {
          current.replaceWith(fresh);
          showDeferred(fresh);
        }
        const again = focused && fresh?.querySelector(focused);
        if (again) {
          again.focus();
          // Only text boxes have a caret (a checkbox throws).
          if (again.type === 'search' || again.type === 'text') {
            again.setSelectionRange(again.value.length, again.value.length);
          }
        }
        history.replaceState(null, '', url);
      } catch (_) {
        // Aborted by a newer keystroke, or offline: the submit button still works.
      }
    };
    form.addEventListener('input', (event) => {
      if (event.target !== input && !event.target.matches('[data-facet-search]')) return;
      clearTimeout(timer);
      timer = setTimeout(refresh, 300);
    });
    form.addEventListener('change', (event) => {
      if (event.target.type === 'checkbox' || event.target.tagName === 'SELECT') refresh();
    });
  }
}

// Buttons that ask before they act (e.g. "delete photo" among other buttons of one form).
document.addEventListener('click', (event) => {
  const button = event.target.closest('button[data-confirm-button]');
  if (button && !window.confirm(button.dataset.confirmButton)) event.preventDefault();
});

// Photo uploads on a phone: large photos are shrunk in the browser (a 5 MB photo becomes a
// few hundred kB before it crosses 3G), sent one by one to the API with a progress bar,
// then the page reloads. Without scripts the form posts the original files.
{
  const LONG_SIDE = 2048;
  const SHRINK_ABOVE = 900 * 1024;

  const shrink = async (file) => {
    if (!/^image\/(jpeg|png|webp)$/.test(file.type) || file.size <= SHRINK_ABOVE) return file;
    if (!window.createImageBitmap) return file;
    try {
      // `from-image` applies the EXIF orientation; drawing to a canvas drops all metadata.
      const bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
      const scale = Math.min(1, LONG_SIDE / Math.max(bitmap.width, bitmap.height));
      const canvas = document.createElement('canvas');
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext('2d').drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      bitmap.close?.();
      const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.88));
      if (!blob || blob.size >= file.size) return file;
      return new File([blob], file.name.replace(/\.\w+$/, '') + '.jpg', { type: 'image/jpeg' });
    } catch (_) {
      return file; // The server checks and resizes anyway.
    }
  };

  const send = (url, file, onProgress) => new Promise((resolve) => {
    const body = new FormData();
    body.append('file', file, file.name);
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(e.loaded / e.total); };
    xhr.onload = () => {
      let message = null;
      if (xhr.status >= 400) {
        try { message = JSON.parse(xhr.responseText).error.message; } catch (_) { message = null; }
      }
      resolve({ ok: xhr.status < 400, message });
    };
    xhr.onerror = () => resolve({ ok: false, message: null });
    xhr.send(body);
  });

  for (const form of document.querySelectorAll('form[data-photo-upload]')) {
    const chosen = form.querySelector('.chosen');
    const progress = form.querySelector('progress');
    const files = () => [...form.querySelectorAll('input[type=file]')].flatMap((i) => [...i.files]);
    form.addEventListener('change', () => {
      const n = files().length;
      chosen.textContent = n ? files().map((f) => f.name).join(', ') : '';
      if (n) form.requestSubmit();
    });
    form.addEventListener('submit', async (event) => {
      const list = files();
      if (!list.length) return;
      event.preventDefault();
      const button = form.querySelector('.upload-submit');
      button.disabled = true;
      chosen.classList.remove('field-error');
      for (const old of document.querySelectorAll('.notice[role=status], #upload-error')) old.remove();
      progress.hidden = false;
      let failure = null;
      for (const [index, original] of list.entries()) {
        chosen.textContent = `${form.dataset.shrinking} (${index + 1}/${list.length})`;
        const file = await shrink(original);
        chosen.textContent = `${form.dataset.uploading} ${index + 1}/${list.length}`;
        const result = await send(form.dataset.photoUpload, file, (part) => {
          progress.value = Math.round(((index + part) / list.length) * 100);
        });
        if (!result.ok) {
          failure = `${original.name}: ${result.message || form.dataset.failed}`;
          break;
        }
      }
      progress.value = 100;
      if (failure) {
        chosen.textContent = failure;
        chosen.classList.add('field-error');
        button.disabled = false;
        for (const input of form.querySelectorAll('input[type=file]')) input.value = '';
        return;
      }
      // Reload even when the address is already this one (a second upload from the page).
      const url = new URL(location.href);
      url.searchParams.set('done', 'photo_added');
      url.hash = 'photos';
      history.replaceState(null, '', url);
      location.reload();
    });
  }
}

// A report's print button.
document.addEventListener('click', function (e) {
  var t = e.target;
  if (t && t.closest && t.closest('[data-print]')) window.print();
});
