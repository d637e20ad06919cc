// sap.cjs GENERATED_DIR BASE USER PASSWORD — reads every entity set with
// the typed client that @sap-cloud-sdk/generator made from our $metadata:
// getAll (the first page: the SDK does not follow nextLink), count()
// (GET …/$count) and a typed filter on the first key property, checking
// that Int64 values arrive as BigNumber and DateTimeOffset/Date as moment.
'use strict';
const path = require('path');

const [, , genDir, url, username, password] = process.argv;

async function main() {
  const mod = require(path.resolve(genDir));
  // The service factory is the exported function whose result has the
  // entity APIs (issuesApi, …) as getters.
  let svc;
  let apis = [];
  for (const v of Object.values(mod)) {
    if (typeof v !== 'function' || !/^[a-z]/.test(v.name)) continue;
    let s;
    try {
      s = v();
    } catch {
      continue;
    }
    const names = s ? Object.getOwnPropertyNames(Object.getPrototypeOf(s)).filter((n) => n.endsWith('Api') && n !== 'initApi') : [];
    if (names.length > 0) {
      svc = s;
      apis = names;
    }
  }
  if (!svc) throw new Error('the generated service has no entity APIs');
  const destination = { url, username, password };
  const out = { sets: {} };
  for (const name of apis) {
    const api = svc[name];
    const set = api.entityConstructor._entityName;
    const all = await api.requestBuilder().getAll().execute(destination);
    const count = await api.requestBuilder().getAll().count().execute(destination);
    const info = { firstPage: all.length, count: Number(count), types: {} };
    for (const e of all.slice(0, 50)) {
      for (const [k, v] of Object.entries(e)) {
        if (v === null || v === undefined || k.startsWith('_')) continue;
        const kind = v.constructor && v.constructor.name === 'BigNumber' ? 'BigNumber' : v._isAMomentObject ? 'moment' : typeof v;
        info.types[k] = kind;
      }
    }
    // A typed filter on the Id key property must find the first row again.
    if (api.schema.ID && all.length > 0) {
      const got = await api.requestBuilder().getAll().filter(api.schema.ID.equals(all[0].id)).top(5).execute(destination);
      info.filtered = got.filter((e) => e.id.isEqualTo(all[0].id)).length;
    }
    out.sets[set] = info;
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((e) => {
  process.stderr.write(String(e.stack || e) + (e.cause ? '\ncause: ' + (e.cause.stack || e.cause) : '') + '\n');
  process.exit(1);
});
