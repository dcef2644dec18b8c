// Renderer entry: picks the host (Electron preload or WebSocket) and mounts the app.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { z } from 'zod';
import { getHost } from './api';
import { App } from './app/App';
import './styles.css';

// The page's CSP forbids eval: tell zod not to probe for it (the probe itself is reported as a CSP violation).
z.config({ jitless: true });

const root = document.getElementById('root');
if (!root) throw new Error('index.html lacks #root');
createRoot(root).render(
  <StrictMode>
    <App host={getHost()} />
  </StrictMode>,
);
