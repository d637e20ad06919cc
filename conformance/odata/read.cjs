// read.cjs BASE USER PASSWORD — reads a backlogsync OData service with
// ts-odatajs (Apache Olingo's JavaScript client) the way Power Query does:
// the service document, $metadata through odatajs's metadata handler, then
// every entity set, following @odata.nextLink to the end. Prints a JSON
// summary: the entity sets and property types from $metadata and, per set,
// the rows read, the pages and every row's key.
'use strict';
const { oData } = require('ts-odatajs');

const [, , base, user, password] = process.argv;
const auth = 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');

function read(requestUri, handler) {
  return new Promise((resolve, reject) => {
    oData.read(
      { requestUri, headers: { Authorization: auth, 'OData-MaxVersion': '4.0' } },
      (data, response) => resolve({ data, response }),
      (err) => reject(new Error(`${requestUri}: ${err.message} ${err.response ? err.response.statusCode + ' ' + err.response.body : ''}`)),
      handler,
    );
  });
}

async function main() {
  const out = { sets: {}, types: {}, rows: {}, pages: {}, keys: {} };
  const { data: md } = await read(base + '/$metadata', oData.metadataHandler);
  const schema = md.dataServices.schema[0];
  out.namespace = schema.namespace;
  for (const et of schema.entityType) {
    out.types[et.name] = Object.fromEntries(et.property.map((p) => [p.name, p.type]));
    out.keys[et.name] = (Array.isArray(et.key) ? et.key[0] : et.key).propertyRef.map((r) => r.name);
  }
  const sets = schema.entityContainer.entitySet;
  const { data: svc } = await read(base);
  if (svc.value.length !== sets.length) throw new Error(`service document lists ${svc.value.length} sets, $metadata ${sets.length}`);
  for (const set of sets) {
    out.sets[set.name] = set.entityType;
    let url = base + '/' + set.name;
    let rows = 0;
    let pages = 0;
    const seen = new Set();
    const keyProps = out.keys[set.entityType.split('.').pop()];
    while (url) {
      const { data } = await read(url);
      pages++;
      for (const r of data.value) {
        const k = keyProps.map((p) => r[p]).join('\u0000');
        if (seen.has(k)) throw new Error(`${set.name}: row ${k} read twice`);
        seen.add(k);
      }
      rows += data.value.length;
      url = data['@odata.nextLink'];
      if (url && !url.startsWith(base + '/')) throw new Error(`${set.name}: nextLink ${url} leaves the service root`);
      if (pages > 10000) throw new Error('too many pages');
    }
    out.rows[set.name] = rows;
    out.pages[set.name] = pages;
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((e) => {
  process.stderr.write(String(e.stack || e) + '\n');
  process.exit(1);
});
