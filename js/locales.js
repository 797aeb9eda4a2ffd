// The built-in sentence tables other than English, each loaded on demand as its own chunk.
export const importLocale = (locale) => (locale === 'es' ? import('./locales/es.js') : undefined);
