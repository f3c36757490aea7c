import { createApp } from '../../api/app';
import { silentLogger } from '../../core/ports/logger';
import { serveApp } from '../../platform/http/node-server';
import { createPrometheusMetrics } from '../../platform/metrics/prometheus';

describe('GET /metrics of the app', () => {
  it('answers Prometheus text; with loopbackOnly, only to a client on this machine', async () => {
    // Prepare
    const metrics = createPrometheusMetrics();
    metrics.count('events_accepted', {}, 3);
    const app = createApp({ logger: silentLogger, metrics: { render: () => metrics.render(), contentType: metrics.contentType, loopbackOnly: true } });
    const server = await serveApp(app, { port: 0, host: '127.0.0.1' });
    try {
      // Act
      const local = await fetch(`http://127.0.0.1:${server.port}/metrics`);
      const unknownPeer = await app.request('/metrics'); // no socket: not known to be this machine
      // Assess
      expect(local.status).toBe(200);
      expect(await local.text()).toContain('stepstack_events_accepted_total 3');
      expect(unknownPeer.status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
