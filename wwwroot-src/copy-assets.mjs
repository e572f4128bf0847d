// Copies htmx, its ws/sse extensions and our small scripts into Chat.Web/wwwroot/js, where they are committed,
// so a fresh clone's `dotnet run` needs no Node.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';

const out = 'Chat.Web/wwwroot/js';
const lib = 'Chat.Web/wwwroot/lib';
mkdirSync(out, { recursive: true });
mkdirSync(lib, { recursive: true });
copyFileSync('node_modules/htmx.org/dist/htmx.min.js', `${lib}/htmx.min.js`);
copyFileSync('node_modules/htmx-ext-ws/dist/ws.min.js', `${lib}/htmx-ext-ws.min.js`);
copyFileSync('node_modules/htmx-ext-sse/dist/sse.min.js', `${lib}/htmx-ext-sse.min.js`);
for (const file of readdirSync('wwwroot-src/js')) copyFileSync(`wwwroot-src/js/${file}`, `${out}/${file}`);
copyFileSync('wwwroot-src/sw.js', 'Chat.Web/wwwroot/sw.js'); // at the root: a service worker controls only paths below its own
