'use client';
// The shared fixture app (it imports the elements at the top: rendered on the server too), mounted
// in the browser once.
import { useEffect, useRef } from 'react';
import { mountApp } from '../app.js';

export default function ClientApp() {
  const root = useRef(null);
  useEffect(() => {
    if (!root.current.dataset.ready) mountApp(root.current);
  }, []);
  return <div id="app" ref={root} />;
}
