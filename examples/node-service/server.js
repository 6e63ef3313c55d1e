// A small HTTP service: the article's Node.js Express service, on node:http. The npm registry is not reachable
// from these machines' containers, so package.json lists no dependencies; the Dockerfiles install them the way
// they would install real ones.
import http from 'node:http';

const items = [
  { id: 1, name: 'widget' },
  { id: 2, name: 'gadget' },
];

const routes = {
  '/health': () => ({ status: 'ok' }),
  '/items': () => items,
};

http
  .createServer((req, res) => {
    const route = routes[req.url];
    const body = JSON.stringify(route ? route() : { error: 'not found' });
    res.writeHead(route ? 200 : 404, { 'Content-Type': 'application/json' });
    res.end(body);
  })
  .listen(3000);
