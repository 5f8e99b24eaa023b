// Export: the run's numbers as files, made in the tab with no server. CSV is the metrics table
// a spreadsheet or notebook opens (one row per sampling instant); JSON is the whole run:
// scenario, seed and command log (which `dhara run` replays to the same trace hash) with the
// summary, series and recent trace. The files are Blob URLs saved through an <a download>.
//
// Contract with src/export.rs: lab.export_csv() and lab.export_json() return the file's text;
// lab.summary() gives the scenario name, seed and simulated_us for the file name.

/** A file name that says what the file holds: dhara-upi-lag-seed-42-t90000ms.csv. */
export function exportFileName({ scenario, seed, simulated_us: simulatedUs }, extension) {
  const safe = (text) => String(text).replace(/[^A-Za-z0-9_-]+/g, '-');
  return `dhara-${safe(scenario)}-seed-${safe(seed)}-t${Math.floor(Number(simulatedUs) / 1000)}ms.${extension}`;
}

/** How long a download's Blob URL lives: the browser reads it after the click returns. */
const BLOB_URL_LIFETIME_MS = 60000;

function download(text, type, name) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), BLOB_URL_LIFETIME_MS);
}

const FORMATS = [
  { extension: 'csv', type: 'text/csv;charset=utf-8', label: 'CSV', name: 'Export CSV', about: 'Download the metrics, one row per sampling instant', make: (lab) => lab.export_csv() },
  { extension: 'events.csv', type: 'text/csv;charset=utf-8', label: 'Events', name: 'Export events as CSV', about: 'Download the events still in memory, one row per event: sequence, time, kind, node and its numbers', make: (lab) => lab.export_events_csv() },
  { extension: 'json', type: 'application/json', label: 'JSON', name: 'Export JSON', about: 'Download the run: scenario, seed, command log, summary, series and trace', make: (lab) => lab.export_json() },
];

/**
 * Adds the export buttons to `tools`. `lab()` returns the live Lab; `showMessage(text)` is the
 * page's status line, for a refusal.
 */
export function installExport({ tools, lab, showMessage }) {
  // "Export [CSV] [JSON]": short enough to share the header line with the run's settings.
  const group = document.createElement('span');
  group.className = 'share-group';
  group.setAttribute('role', 'group');
  group.setAttribute('aria-label', 'Export the run');
  group.textContent = 'Export';
  for (const format of FORMATS) {
    const button = document.createElement('button');
    button.type = 'button';
    button.id = `export-${format.extension.replace('.', '-')}`;
    button.textContent = format.label;
    button.setAttribute('aria-label', format.name);
    button.title = format.about;
    button.addEventListener('click', () => {
      try {
        const run = lab();
        download(format.make(run), format.type, exportFileName(run.summary(), format.extension));
      } catch (error) {
        showMessage(`Export failed: ${error.message ?? error}`);
      }
    });
    group.append(button);
  }
  tools.append(group);
}
