// Body of the Bokeh CustomJSTickFormatter of a currency axis (components/charts/format.py):
// `tick`, `symbol` and `decimals` are in scope; it returns the label.
const digits = Math.max(decimals, 1);
const text = Math.abs(tick).toLocaleString("en-US", {maximumFractionDigits: digits});
return (tick < 0 ? "-" : "") + symbol + text;
