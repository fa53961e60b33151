/** The source scanners: hardcoded configuration values in TS/JS (@babel/parser) and Python (own tokenizer). */
export { scanJsSource } from './js-scanner.js';
export { scanPythonSource } from './python-scanner.js';
