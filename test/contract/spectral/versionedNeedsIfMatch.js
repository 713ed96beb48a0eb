// versionedNeedsIfMatch checks a path item: when the resource at the path is
// versioned (its GET 200 body, or the operation's own 2xx body, has a
// `version` property), every PATCH, PUT and DELETE on it must declare the
// If-Match request header and the 412 and 428 responses, and its GET must
// declare the ETag response header. A POST that takes If-Match must document
// 412 and 428 as well.
const writes = ['patch', 'put', 'delete'];

function isVersioned(schema, depth = 0) {
  if (!schema || typeof schema !== 'object' || depth > 8) return false;
  if (schema.properties && schema.properties.version) return true;
  for (const key of ['allOf', 'oneOf', 'anyOf']) {
    if (Array.isArray(schema[key]) && schema[key].some((s) => isVersioned(s, depth + 1))) return true;
  }
  return false;
}

function successSchemas(op) {
  const out = [];
  for (const [status, response] of Object.entries((op && op.responses) || {})) {
    if (!/^2\d\d$/.test(status) || !response || !response.content) continue;
    for (const media of Object.values(response.content)) {
      if (media && media.schema) out.push(media.schema);
    }
  }
  return out;
}

function headerParam(op, name) {
  const lower = name.toLowerCase();
  return (op.parameters || []).find((p) => p && p.in === 'header' && typeof p.name === 'string' && p.name.toLowerCase() === lower);
}

export default function versionedNeedsIfMatch(pathItem, _options, context) {
  if (!pathItem || typeof pathItem !== 'object') return [];
  const results = [];
  const resourceVersioned = pathItem.get && successSchemas(pathItem.get).some((s) => isVersioned(s));
  if (resourceVersioned) {
    const ok = pathItem.get.responses && pathItem.get.responses['200'];
    if (ok && !(ok.headers && ok.headers.ETag)) {
      results.push({ message: 'GET of a versioned resource must declare the ETag response header', path: [...context.path, 'get', 'responses', '200'] });
    }
  }
  for (const method of [...writes, 'post']) {
    const op = pathItem[method];
    if (!op) continue;
    const versioned = writes.includes(method) && (resourceVersioned || successSchemas(op).some((s) => isVersioned(s)));
    const takesIfMatch = Boolean(headerParam(op, 'If-Match'));
    if (versioned && !takesIfMatch) {
      results.push({ message: `${method.toUpperCase()} of a versioned resource must document the If-Match request header`, path: [...context.path, method, 'parameters'] });
    }
    if (versioned || takesIfMatch) {
      for (const status of ['412', '428']) {
        if (!op.responses || !op.responses[status]) {
          results.push({ message: `${method.toUpperCase()} with If-Match must document the ${status} response`, path: [...context.path, method, 'responses'] });
        }
      }
    }
  }
  return results;
}
