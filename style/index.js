// The style module JupyterLab loads at startup: only what shows before the Spark Capacity panel is
// first opened (the status-bar item). The panel, history chart and Settings Editor field add their
// own styles when their code loads (src/style.ts); *.raw.css files are imported as text.
import { addStyle } from '../lib/style';
import css from './status.raw.css';

addStyle(css);
