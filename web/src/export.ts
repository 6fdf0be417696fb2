/** Downloads: a canvas as PNG, a server-drawn SVG, a table as CSV. */

export function download(href: string, name: string): void {
  const a = document.createElement('a');
  a.href = href;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
}

export function downloadPng(canvas: HTMLCanvasElement, name: string): void {
  canvas.toBlob((blob) => {
    if (!blob) return;
    const url = URL.createObjectURL(blob);
    download(url, name);
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }, 'image/png');
}

/** A small labelled toolbar of export buttons. */
export function exportBar(
  label: string,
  items: { text: string; title: string; run: () => void }[],
): HTMLElement {
  const bar = document.createElement('div');
  bar.className = 'exports';
  bar.setAttribute('role', 'toolbar');
  bar.setAttribute('aria-label', `Export ${label}`);
  for (const it of items) {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = it.text;
    b.title = it.title;
    b.setAttribute('aria-label', it.title);
    b.addEventListener('click', it.run);
    bar.append(b);
  }
  return bar;
}
