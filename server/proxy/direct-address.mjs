// Direct address syntax (RFC 5321 mailbox with a dot-atom local part and a DNS host name),
// the same rule the module applies to `to`.

const ATEXT = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+$/;
const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** Direct address syntax: dot-atom local part, DNS domain of 2+ LDH labels, <= 254 chars. */
export function isValidDirectAddress(address) {
  if (typeof address !== 'string' || address.length > 254) return false;
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return false;
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (local.length > 64 || !local.split('.').every((atom) => ATEXT.test(atom))) return false;
  const labels = domain.split('.');
  return domain.length <= 253 && labels.length >= 2 && labels.every((l) => LABEL.test(l)) && !/^\d+$/.test(labels.at(-1));
}

/** The address as it is sent and cached: the domain lower-cased (the local part is kept). */
export function normalizeDirectAddress(address) {
  const at = address.lastIndexOf('@');
  return `${address.slice(0, at)}@${address.slice(at + 1).toLowerCase()}`;
}
