// Type-checked with tsc --strict against the installed package: the proxy's public types.
import { createUpdoxProxy, toNodeHandler, type UpdoxProxy, type UpdoxProxyOptions } from 'updox-direct/proxy';

const options: UpdoxProxyOptions = {
  baseUrl: 'https://updoxqa.com/api/io',
  auth: { applicationId: 'a', applicationPassword: 'b', accountId: 'c', userId: 'd' },
  authorize: async (request: Request) => (request.headers.get('x-patient') ? { patientId: '48213', scope: 's' } : null),
  rateLimit: { send: { points: 10, duration: 60 } },
  allowedHosts: ['portal.example.org'],
};
const proxy: UpdoxProxy = createUpdoxProxy(options);
const answer: Promise<Response> = proxy(new Request('http://127.0.0.1/api/updox/PatientDirectMessageSend'));
const node = toNodeHandler(proxy);
node({ method: 'POST', url: '/', headers: {} }, { writeHead: () => undefined, end: () => undefined });
void answer;
void proxy.close();

// @ts-expect-error the Updox credentials are required
createUpdoxProxy({ baseUrl: 'https://updoxqa.com/api/io', demo: true });
// @ts-expect-error authorize answers a patient, not a string
createUpdoxProxy({ ...options, authorize: () => 'patient:1' });
