// headerParam checks that an operation declares a request header parameter
// (options.name) with the length bounds of options.minLength/maxLength, and
// that its 2xx responses declare options.successHeader.
export default function headerParam(op, options, context) {
  const results = [];
  const params = Array.isArray(op.parameters) ? op.parameters : [];
  const lower = options.name.toLowerCase();
  const param = params.find((p) => p && p.in === 'header' && typeof p.name === 'string' && p.name.toLowerCase() === lower);
  if (!param) {
    return [{ message: `must document the ${options.name} request header`, path: [...context.path, 'parameters'] }];
  }
  const schema = param.schema || {};
  if (options.minLength !== undefined && schema.minLength !== options.minLength) {
    results.push({ message: `${options.name} must have minLength ${options.minLength}`, path: [...context.path, 'parameters'] });
  }
  if (options.maxLength !== undefined && schema.maxLength !== options.maxLength) {
    results.push({ message: `${options.name} must have maxLength ${options.maxLength}`, path: [...context.path, 'parameters'] });
  }
  if (param.required) {
    results.push({ message: `${options.name} must be optional`, path: [...context.path, 'parameters'] });
  }
  if (options.successHeader) {
    for (const [status, response] of Object.entries(op.responses || {})) {
      if (!/^2\d\d$/.test(status)) continue;
      if (!response || !response.headers || !response.headers[options.successHeader]) {
        results.push({ message: `${status} response must declare the ${options.successHeader} header`, path: [...context.path, 'responses', status] });
      }
    }
  }
  return results;
}
