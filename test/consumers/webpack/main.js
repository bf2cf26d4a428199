import { mountApp } from './app.js';

mountApp(document.getElementById('app'));
