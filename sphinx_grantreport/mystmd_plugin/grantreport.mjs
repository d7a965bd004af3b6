// sphinx-grantreport for the MyST Document Engine (mystmd, Jupyter Book 2).
// Written by `sphinx-grantreport myst init`; run it again after upgrading.
//
// The roles and directives leave placeholders; one transform per page sends
// them all to one long-lived Python process (started once per `myst` run),
// which computes them from grantreport.toml with the same engine as the
// Sphinx build and answers with mdast nodes and located warnings.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';

// The Python that has sphinx_grantreport installed: GRANTREPORT_PYTHON, or
// the one that ran `sphinx-grantreport myst init` (on another machine, where
// that one does not exist, python3 on the PATH).
const INIT_PYTHON = '@@PYTHON@@';
const PYTHON =
  process.env.GRANTREPORT_PYTHON || (existsSync(INIT_PYTHON) ? INIT_PYTHON : 'python3');
const OPTIONS = @@OPTIONS@@;

let server = null;
let nextId = 1;
const waiting = new Map();

function start() {
  const child = spawn(PYTHON, ['-m', 'sphinx_grantreport.mystmd_server', process.cwd()], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    let reply;
    try {
      reply = JSON.parse(line);
    } catch {
      return;
    }
    const pending = waiting.get(reply.id);
    if (!pending) return;
    waiting.delete(reply.id);
    if (waiting.size === 0) child.stdout.unref();
    pending.resolve(reply);
  });
  const fail = (why) => {
    for (const pending of waiting.values()) pending.reject(new Error(why));
    waiting.clear();
    server = null;
  };
  child.on('error', (error) => fail(`cannot start ${PYTHON}: ${error.message}`));
  child.on('exit', (code) => fail(`the grantreport process stopped (exit ${code})`));
  // the process ends with `myst`: nothing of it keeps Node running
  child.unref();
  child.stdin.unref();
  child.stdout.unref();
  return child;
}

function ask(request) {
  if (!server) server = start();
  const child = server;
  const id = nextId++;
  return new Promise((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    child.stdout.ref(); // wait for the answer
    child.stdin.write(JSON.stringify({ id, ...request }) + '\n');
  });
}

function placeholder(kind, data, extra) {
  return {
    type: 'grantreport',
    kind,
    arg: kind === 'kpi' ? data.body : data.arg,
    options: data.options ?? {},
    position: data.node?.position,
    ...extra,
  };
}

const kpiRole = {
  name: 'kpi',
  doc: 'A value computed from the report data: name, name:format, name[key], $param.',
  body: { type: String, required: true },
  run: (data) => [placeholder('kpi', data)],
};

function directive(name) {
  const options = {};
  for (const [option, kind] of Object.entries(OPTIONS[name])) {
    options[option] = { type: kind === 'boolean' ? Boolean : String };
  }
  return {
    name,
    arg: { type: String },
    options,
    body: { type: 'myst' },
    run: (data) => [placeholder(name, data, { children: data.body ?? [] })],
  };
}

function collect(node, parent, found) {
  if (node.type === 'grantreport') {
    found.push({ node, parent });
    return;
  }
  for (const child of node.children ?? []) collect(child, node, found);
}

function located(vfile, node, message, subtype) {
  const said = vfile.message(`${message} [grantreport.${subtype}]`, node.position, 'grantreport');
  said.fatal = true; // an error: `myst build --strict` fails, as `sphinx-build -W`
}

function withBody(nodes, body) {
  return nodes.map((node) => {
    if (node.type === 'grantreportBody') return body;
    if (node.children) return { ...node, children: withBody(node.children, body).flat() };
    return node;
  }).flat();
}

const transform = {
  name: 'grantreport',
  doc: 'Replaces the grantreport placeholders of a page with computed nodes.',
  stage: 'document',
  plugin: () => async (tree, vfile) => {
    const found = [];
    collect(tree, null, found);
    if (found.length === 0) return;
    const items = found.map(({ node }) => ({
      kind: node.kind,
      arg: node.arg,
      options: node.options,
      line: node.position?.start?.line,
    }));
    let reply;
    try {
      reply = await ask({ file: vfile.path, items });
    } catch (error) {
      reply = { error: error.message };
    }
    for (const problem of reply.problems ?? []) {
      const place = problem.file ? `${problem.file}:${problem.line ?? ''}: ` : '';
      located(vfile, found[0].node, `${place}${problem.message}`, problem.subtype);
    }
    found.forEach(({ node, parent }, index) => {
      const result = reply.results?.[index] ?? {
        nodes: [{ type: 'text', value: '⚠ metric unavailable' }],
        warnings: index === 0 ? [{ message: reply.error, subtype: 'mystmd' }] : [],
      };
      for (const warning of result.warnings) located(vfile, node, warning.message, warning.subtype);
      const at = parent.children.indexOf(node);
      parent.children.splice(at, 1, ...withBody(result.nodes, node.children ?? []));
    });
  },
};

const plugin = {
  name: 'sphinx-grantreport',
  roles: [kpiRole],
  directives: Object.keys(OPTIONS).map((name) => directive(name)),
  transforms: [transform],
};

export default plugin;
