import './styles.css';
import { startStudio, type VsCodeApi } from './app';

declare function acquireVsCodeApi(): VsCodeApi;

const root = document.getElementById('studio');
if (root) startStudio(root, acquireVsCodeApi());
