/** The demo list: keeps a `?server=` choice on every link. */
import '../styles.css';

const server = new URLSearchParams(location.search).get('server');
if (server !== null) {
  for (const link of document.querySelectorAll<HTMLAnchorElement>('.demo-list a')) link.search = `?server=${encodeURIComponent(server)}`;
}
