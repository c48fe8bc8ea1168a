// Draws a Vega-Lite spec (a CHART socket value) with the vendored Vega builds (wwwroot/lib/vega), loaded on first use.
// Charts never load anything: every URL in a spec (data, images) is refused, so a value cannot make the browser fetch
// from elsewhere.
let loading;

function load(scripts) {
    loading ??= scripts.reduce((previous, src) => previous.then(() => new Promise((resolve, reject) => {
        const script = document.createElement("script");
        script.src = src;
        script.onload = resolve;
        script.onerror = () => reject(new Error(`Could not load ${src}`));
        document.head.appendChild(script);
    })), Promise.resolve());
    return loading;
}

export async function render(element, specJson, scripts) {
    delete element.dataset.chartRendered;
    delete element.dataset.chartError;
    try {
        await load(scripts);
        const loader = window.vega.loader();
        loader.sanitize = uri => Promise.reject(new Error(`charts may not load ${uri}; put the data in the spec`));
        await window.vegaEmbed(element, JSON.parse(specJson), { actions: false, renderer: "svg", loader });
        element.dataset.chartRendered = "true";
        return null;
    } catch (error) {
        element.dataset.chartError = "true";
        return String((error && error.message) || error);
    }
}
