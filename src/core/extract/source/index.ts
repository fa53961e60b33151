/** The source scanners: hardcoded configuration values in TS/JS (oxc-parser) and Python (own tokenizer). */
export { scanJsSource } from './js-scanner.js';
export { scanPythonSource } from './python-scanner.js';
