// Resumable, chunked uploads through /api/v1/uploads/ (the same API gcapi uses), for <ResumableUpload>.
// The file is cut into parts that are PUT to signed part URLs, two at a time, each retried with backoff. When the
// connection drops, the upload waits, asks the server which parts it holds (list-parts) and sends only the rest.
// {upload pk, key} is remembered in localStorage per file (name, size, last modified), so picking the same file
// again after a reload resumes it. Nothing is read into memory but the part being sent (and, for small files,
// the whole file once to compute its SHA-256, which the server then checks).

const DEFAULT_PART_SIZE = 8 * 1024 * 1024;
const PARALLEL_PARTS = 2;
const ATTEMPTS_PER_PART = 4;
const MAX_ROUNDS = 30;
const SHA256_MAX_BYTES = 64 * 1024 * 1024;
const PRESIGN_BATCH = 20;
const PROGRESS_INTERVAL_MS = 200;
const STORAGE_PREFIX = "gc-upload:";

class UploadError extends Error {
    constructor(message, { status = 0, transient = false } = {}) {
        super(message);
        this.status = status;
        this.transient = transient;
    }
}

const sleep = (ms, signal) => new Promise((resolve, reject) => {
    if (signal?.aborted) {
        reject(signal.reason);
        return;
    }
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => { clearTimeout(timer); reject(signal.reason); }, { once: true });
});

const backoff = attempt => Math.min(30_000, 500 * 2 ** attempt) * (0.75 + Math.random() * 0.5);

function apiRoot() {
    return new URL("api/v1/uploads/", document.baseURI).toString();
}

async function problemOf(status, text) {
    if (status === 401) {
        return "You are signed out. Sign in again, then pick the same file to resume the upload.";
    }
    try {
        const body = JSON.parse(text);
        return body.detail || body.title || `The server answered ${status}.`;
    } catch {
        return `The server answered ${status}.`;
    }
}

function isTransientStatus(status) {
    return status === 0 || status === 408 || status === 429 || status >= 500;
}

// One JSON call to the uploads API with the page's cookie; network failures and 5xx/429 are retried with backoff.
async function api(method, path, body, signal) {
    for (let attempt = 0; ; attempt++) {
        try {
            const response = await fetch(apiRoot() + path, {
                method,
                credentials: "same-origin",
                headers: body === undefined ? { Accept: "application/json" } : { Accept: "application/json", "Content-Type": "application/json" },
                body: body === undefined ? undefined : JSON.stringify(body),
                signal,
            });
            const text = await response.text();
            if (response.ok) {
                return text ? JSON.parse(text) : null;
            }
            throw new UploadError(await problemOf(response.status, text), { status: response.status, transient: isTransientStatus(response.status) });
        } catch (error) {
            if (signal.aborted) {
                throw signal.reason;
            }
            const failure = error instanceof UploadError ? error : new UploadError("The connection to the server was lost.", { transient: true });
            if (!failure.transient || attempt + 1 >= ATTEMPTS_PER_PART) {
                throw failure;
            }
            await sleep(backoff(attempt), signal);
        }
    }
}

function putPart(url, blob, signal, onProgress) {
    return new Promise((resolve, reject) => {
        const xhr = new XMLHttpRequest();
        const onAbort = () => xhr.abort();
        signal.addEventListener("abort", onAbort, { once: true });
        const done = () => signal.removeEventListener("abort", onAbort);
        xhr.open("PUT", url);
        xhr.upload.onprogress = event => onProgress(event.loaded);
        xhr.onload = async () => {
            done();
            if (xhr.status >= 200 && xhr.status < 300) {
                const etag = xhr.getResponseHeader("ETag");
                if (etag) {
                    resolve(etag.replaceAll('"', ""));
                } else {
                    reject(new UploadError("The server stored a part but did not answer with its ETag.", { transient: true }));
                }
                return;
            }
            reject(new UploadError(await problemOf(xhr.status, xhr.responseText), { status: xhr.status, transient: isTransientStatus(xhr.status) || xhr.status === 403 }));
        };
        xhr.onerror = () => { done(); reject(new UploadError("The connection to the server was lost.", { transient: true })); };
        xhr.ontimeout = () => { done(); reject(new UploadError("Sending a part timed out.", { transient: true })); };
        xhr.onabort = () => { done(); reject(signal.aborted ? signal.reason : new UploadError("Sending a part was interrupted.", { transient: true })); };
        xhr.send(blob);
    });
}

async function sha256Hex(file) {
    const digest = await crypto.subtle.digest("SHA-256", await file.arrayBuffer());
    return Array.from(new Uint8Array(digest), b => b.toString(16).padStart(2, "0")).join("");
}

function storageKey(file) {
    return `${STORAGE_PREFIX}${file.name}:${file.size}:${file.lastModified}`;
}

function remembered(file) {
    try {
        return JSON.parse(localStorage.getItem(storageKey(file)) || "null");
    } catch {
        return null;
    }
}

// Reports to the component: progress at most every PROGRESS_INTERVAL_MS, speed over the last few seconds.
class Reporter {
    constructor(dotnet, total) {
        this.dotnet = dotnet;
        this.total = total;
        this.stored = 0;
        this.inFlight = new Map();
        this.samples = [];
        this.sentThisSession = 0;
        this.last = 0;
        this.timer = null;
    }

    call(method, ...args) {
        return this.dotnet.invokeMethodAsync(method, ...args).catch(() => { /* the component is gone */ });
    }

    status(text) {
        return this.call("ReportStatus", text);
    }

    partProgress(partNumber, loaded) {
        const before = this.inFlight.get(partNumber) || 0;
        this.inFlight.set(partNumber, loaded);
        this.sentThisSession += Math.max(0, loaded - before);
        this.schedule();
    }

    partStored(partNumber, size) {
        this.inFlight.delete(partNumber);
        this.stored += size;
        this.schedule();
    }

    partFailed(partNumber) {
        this.inFlight.delete(partNumber);
        this.schedule();
    }

    setStored(bytes) {
        this.stored = bytes;
        this.inFlight.clear();
        this.schedule();
    }

    schedule() {
        if (this.timer !== null) {
            return;
        }
        const wait = Math.max(0, this.last + PROGRESS_INTERVAL_MS - performance.now());
        this.timer = setTimeout(() => { this.timer = null; this.flush(); }, wait);
    }

    flush() {
        if (this.timer !== null) {
            clearTimeout(this.timer);
            this.timer = null;
        }
        const now = performance.now();
        this.last = now;
        this.samples.push([now, this.sentThisSession]);
        while (this.samples.length > 2 && now - this.samples[0][0] > 5000) {
            this.samples.shift();
        }
        const [t0, b0] = this.samples[0];
        const speed = now - t0 > 250 ? (this.sentThisSession - b0) / ((now - t0) / 1000) : 0;
        let loaded = this.stored;
        for (const bytes of this.inFlight.values()) {
            loaded += bytes;
        }
        return this.call("ReportProgress", Math.min(loaded, this.total), this.total, speed);
    }
}

class ResumableUpload {
    constructor(file, dotnet, options) {
        this.file = file;
        this.partSize = options.partSize || DEFAULT_PART_SIZE;
        this.controller = new AbortController();
        this.signal = this.controller.signal;
        this.reporter = new Reporter(dotnet, file.size);
        this.urls = new Map();
        this.done = new Map();
        this.upload = null;
    }

    get parts() {
        const count = Math.max(1, Math.ceil(this.file.size / this.partSize));
        return Array.from({ length: count }, (_, i) => ({
            number: i + 1,
            start: i * this.partSize,
            end: Math.min(this.file.size, (i + 1) * this.partSize),
        }));
    }

    get path() {
        return `${this.upload.pk}/${encodeURIComponent(this.upload.s3_upload_id)}/`;
    }

    async run() {
        await this.resumeOrCreate();
        for (let round = 0; ; round++) {
            const pending = this.parts.filter(p => !this.done.has(p.number));
            if (pending.length === 0) {
                break;
            }
            if (round >= MAX_ROUNDS) {
                throw new UploadError("The upload keeps failing. Check your connection, then pick the same file again to resume.");
            }
            if (round > 0) {
                await this.waitAndResync(round);
                continue;
            }
            await this.sendParts(pending);
        }

        this.reporter.status("Assembling the file on the server…");
        const parts = this.parts.map(p => ({ ETag: `"${this.done.get(p.number)}"`, PartNumber: p.number }));
        this.upload = await api("PATCH", `${this.path}complete-multipart-upload/`, { parts }, this.signal);
        localStorage.removeItem(storageKey(this.file));
        this.reporter.setStored(this.file.size);
        await this.reporter.flush();
        return this.upload.pk;
    }

    async resumeOrCreate() {
        const saved = remembered(this.file);
        if (saved) {
            try {
                this.upload = { pk: saved.pk, s3_upload_id: saved.key };
                this.partSize = saved.partSize || this.partSize;
                const listed = await api("GET", `${this.path}list-parts/`, undefined, this.signal);
                if (listed.status === "Initialized") {
                    this.upload = listed;
                    this.adopt(listed.parts);
                    await this.reporter.status(`Resuming: ${this.done.size} of ${this.parts.length} parts are already on the server.`);
                    return;
                }
            } catch (error) {
                if (this.signal.aborted || error.transient) {
                    throw error;
                }
            }
            localStorage.removeItem(storageKey(this.file));
        }

        let sha256 = null;
        if (this.file.size <= SHA256_MAX_BYTES && globalThis.crypto?.subtle) {
            await this.reporter.status("Computing the checksum…");
            sha256 = await sha256Hex(this.file);
        }
        this.upload = await api("POST", "", { filename: this.file.name, size: this.file.size, sha256 }, this.signal);
        localStorage.setItem(storageKey(this.file), JSON.stringify({ pk: this.upload.pk, key: this.upload.s3_upload_id, partSize: this.partSize }));
        this.done.clear();
        this.reporter.setStored(0);
    }

    // Parts the server holds count as sent when their size is the one this file's plan expects.
    adopt(listedParts) {
        const expected = new Map(this.parts.map(p => [p.number, p.end - p.start]));
        this.done.clear();
        let stored = 0;
        for (const part of listedParts) {
            if (expected.get(part.PartNumber) === part.Size) {
                this.done.set(part.PartNumber, part.ETag.replaceAll('"', ""));
                stored += part.Size;
            }
        }
        this.reporter.setStored(stored);
    }

    async waitAndResync(round) {
        const delay = backoff(Math.min(round, 6));
        await this.reporter.status(`The connection was interrupted; trying again in ${Math.ceil(delay / 1000)} s…`);
        await sleep(delay, this.signal);
        while (!navigator.onLine) {
            await this.reporter.status("You are offline; the upload continues when the connection is back.");
            await sleep(2000, this.signal);
        }
        try {
            const listed = await api("GET", `${this.path}list-parts/`, undefined, this.signal);
            this.adopt(listed.parts);
            await this.reporter.status("");
            const pending = this.parts.filter(p => !this.done.has(p.number));
            if (pending.length > 0) {
                await this.sendParts(pending);
            }
        } catch (error) {
            if (this.signal.aborted || !error.transient) {
                throw error;
            }
        }
    }

    // Sends the parts two at a time; a part that keeps failing for transient reasons is left for the next round.
    async sendParts(pending) {
        const queue = [...pending];
        let fatal = null;
        const worker = async () => {
            while (queue.length > 0 && fatal === null) {
                const part = queue.shift();
                try {
                    await this.sendPart(part, queue);
                } catch (error) {
                    if (this.signal.aborted || !error.transient) {
                        fatal ??= error;
                    }
                }
            }
        };
        await Promise.all(Array.from({ length: PARALLEL_PARTS }, worker));
        if (fatal !== null) {
            throw fatal;
        }
    }

    async sendPart(part, upcoming) {
        for (let attempt = 0; ; attempt++) {
            try {
                const url = await this.urlFor(part.number, upcoming);
                const etag = await putPart(url, this.file.slice(part.start, part.end), this.signal,
                    loaded => this.reporter.partProgress(part.number, loaded));
                this.done.set(part.number, etag);
                this.reporter.partStored(part.number, part.end - part.start);
                return;
            } catch (error) {
                this.reporter.partFailed(part.number);
                if (error.status === 403) {
                    this.urls.delete(part.number);
                }
                if (this.signal.aborted || !error.transient || attempt + 1 >= ATTEMPTS_PER_PART) {
                    throw error;
                }
                await this.reporter.status(`Part ${part.number} failed (${error.message}); retrying…`);
                await sleep(backoff(attempt), this.signal);
            }
        }
    }

    // Signed part URLs, asked for in batches and renewed shortly before they expire.
    async urlFor(number, upcoming) {
        const fresh = entry => entry && entry.expires * 1000 - Date.now() > 60_000;
        if (!fresh(this.urls.get(number))) {
            const wanted = [number, ...upcoming.map(p => p.number).filter(n => !fresh(this.urls.get(n)))].slice(0, PRESIGN_BATCH);
            const signed = await api("PATCH", `${this.path}generate-presigned-urls/`, { part_numbers: wanted }, this.signal);
            for (const [n, url] of Object.entries(signed.presigned_urls)) {
                this.urls.set(Number(n), { url, expires: Number(new URL(url).searchParams.get("expires")) });
            }
        }
        return this.urls.get(number).url;
    }

    cancel() {
        this.controller.abort(new UploadError("The upload was cancelled."));
    }

    async abortOnServer() {
        localStorage.removeItem(storageKey(this.file));
        if (this.upload?.s3_upload_id) {
            const controller = new AbortController();
            await api("PATCH", `${this.path}abort-multipart-upload/`, undefined, controller.signal).catch(() => { });
        }
    }
}

const running = new WeakMap();

async function start(input, file, dotnet, options) {
    if (running.has(input)) {
        return;
    }
    if (options.maxBytes && file.size > options.maxBytes) {
        input.value = "";
        await dotnet.invokeMethodAsync("ReportError", options.tooLarge).catch(() => { });
        return;
    }
    const upload = new ResumableUpload(file, dotnet, options);
    running.set(input, upload);
    const report = (method, ...args) => dotnet.invokeMethodAsync(method, ...args).catch(() => { });
    try {
        await report("ReportStarted", file.name, file.size);
        const pk = await upload.run();
        await report("ReportCompleted", pk);
    } catch (error) {
        if (upload.signal.aborted) {
            if (upload.cancelledByUser) {
                await upload.abortOnServer();
                await report("ReportCancelled");
            }
        } else {
            await report("ReportError", error?.message || String(error));
        }
    } finally {
        running.delete(input);
        input.value = "";
    }
}

/** Starts an upload whenever a file is picked in <input type=file>. */
export function attach(input, dotnet, options) {
    const onChange = () => {
        const file = input.files && input.files[0];
        if (file) {
            start(input, file, dotnet, options || {});
        }
    };
    input.addEventListener("change", onChange);
    input.dataset.uploadReady = "true";
    input._gcDetach = () => {
        input.removeEventListener("change", onChange);
        delete input.dataset.uploadReady;
    };
}

/** Cancels the running upload and aborts it on the server. */
export function cancel(input) {
    const upload = running.get(input);
    if (upload) {
        upload.cancelledByUser = true;
        upload.cancel();
    }
}

/** Stops listening; a running upload pauses and resumes when the same file is picked again. */
export function detach(input) {
    input._gcDetach?.();
    running.get(input)?.cancel();
}
