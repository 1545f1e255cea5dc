/**
 * Train, step 1, the visitor's own images: a folder with one subfolder per class
 * (`photos/cats/*.jpg`, `photos/dogs/*.png`), picked or dropped, or a .zip of one; and the size the
 * images are resized to. The engine worker reads, checks and decodes them (engine/worker-folder.ts).
 */
import { fileButton, h } from '../dom.ts';
import { msg } from '../i18n/index.ts';
import type { DataSource, FolderSource } from '../engine/protocol.ts';
import type { SourcePanel } from './train-data.ts';

/** Sizes offered (square); 32 as CIFAR-10 and `cnnkit train --data`'s default. */
const SIZES = [32, 48, 64] as const;

type Picked = { path: string; file: File }[];

/** Every file under a dropped folder, with its path from the dropped item. */
async function walkEntry(entry: FileSystemEntry, out: Picked): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((res, rej) => (entry as FileSystemFileEntry).file(res, rej));
    out.push({ path: entry.fullPath.replace(/^\//, ''), file });
    return;
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  // readEntries answers in pieces (100 at a time in Chromium) until it answers nothing.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((res, rej) => reader.readEntries(res, rej));
    if (batch.length === 0) break;
    for (const e of batch) await walkEntry(e, out);
  }
}

export const folderPanel: SourcePanel = {
  kind: 'image-folder',
  name: msg('source.folder'),
  mount(load) {
    const size = h('select', { id: 'image-size' }, ...SIZES.map((s) => h('option', { value: s, text: `${s}x${s}`, selected: s === 32 })));
    const imageSize = (): number => Number(size.value);
    const fromFiles = (name: string, files: Picked): void => {
      const source: FolderSource = { kind: 'image-folder', name, files, imageSize: imageSize() };
      load(source as DataSource);
    };
    const fromZip = (zip: File): void => load({ kind: 'image-folder', name: zip.name, zip, imageSize: imageSize() });

    // A folder picker: the browser gives each file its path inside the folder (webkitRelativePath).
    const folderInput = h('input', { type: 'file', id: 'folder-files', multiple: true, class: 'visually-hidden', tabindex: -1, 'aria-hidden': 'true' });
    folderInput.webkitdirectory = true;
    const folderBtn = h('button', { type: 'button', id: 'folder-pick', class: 'primary', text: msg('folder.pick') });
    folderBtn.addEventListener('click', () => folderInput.click());
    folderInput.addEventListener('change', () => {
      const files = [...(folderInput.files ?? [])];
      folderInput.value = '';
      if (!files.length) return;
      const picked = files.map((file) => ({ path: file.webkitRelativePath || file.name, file }));
      fromFiles(picked[0].path.includes('/') ? picked[0].path.split('/')[0] : picked[0].file.name, picked);
    });
    const zip = fileButton({ id: 'zip-pick', inputId: 'zip-file', text: msg('folder.pickZip'), accept: '.zip,application/zip' }, (files) => fromZip(files[0]));

    const drop = h('div', { class: 'dropzone', id: 'folder-drop' },
      h('p', { text: msg('folder.drop') }),
      h('div', { class: 'controls' }, folderBtn, zip.button,
        h('label', { class: 'field-inline' }, h('span', { text: msg('folder.imageSize') }), size)),
      folderInput, zip.input);
    drop.addEventListener('dragover', (e) => {
      e.preventDefault();
      drop.classList.add('dragging');
    });
    drop.addEventListener('dragleave', () => drop.classList.remove('dragging'));
    drop.addEventListener('drop', (e) => {
      e.preventDefault();
      drop.classList.remove('dragging');
      const items = [...(e.dataTransfer?.items ?? [])].map((i) => i.webkitGetAsEntry()).filter((x): x is FileSystemEntry => x !== null);
      const files = [...(e.dataTransfer?.files ?? [])];
      if (items.length === 1 && items[0].isFile && /\.zip$/i.test(items[0].name)) return fromZip(files[0]);
      void (async () => {
        const picked: Picked = [];
        for (const entry of items) await walkEntry(entry, picked);
        if (picked.length) fromFiles(items.map((i) => i.name).join(', '), picked);
      })();
    });
    return {
      el: h('div', {}, h('p', { class: 'note', text: msg('folder.about') }), drop),
      setEnabled: (on) => void (folderBtn.disabled = zip.button.disabled = size.disabled = !on),
    };
  },
};
