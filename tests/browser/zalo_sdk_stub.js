// A stand-in for `zmp-sdk/apis` (which only works inside the Zalo app), for the browser
// tests: the test sets window.__zalo = { token, routeParams } before the page loads, reads
// what the page asked for (and which pages it opened in Zalo's webview, window.__zalo.opened),
// and fires network changes with window.__zalo.network(bool).
// nativeStorage keeps its items in localStorage, as the real SDK does outside Zalo.
const zalo = (window.__zalo = window.__zalo || {});
zalo.calls = [];
const listeners = [];
const PREFIX = "zmp-native:";

export function getAccessToken() {
  zalo.calls.push("getAccessToken");
  return Promise.resolve(zalo.token);
}

export function getRouteParams() {
  zalo.calls.push("getRouteParams");
  return { ...(zalo.routeParams || {}) };
}

export function onNetworkStatusChange(callback) {
  zalo.calls.push("onNetworkStatusChange");
  listeners.push(callback);
}

zalo.network = (isConnected) => {
  for (const callback of listeners) callback({ isConnected, networkType: isConnected ? "wifi" : "none" });
};

export const nativeStorage = {
  getItem(key) {
    return localStorage.getItem(PREFIX + key) || "";
  },
  setItem(key, value) {
    localStorage.setItem(PREFIX + key, value);
  },
  removeItem(key) {
    localStorage.removeItem(PREFIX + key);
  },
  clear() {
    for (const key of Object.keys(localStorage)) if (key.startsWith(PREFIX)) localStorage.removeItem(key);
  },
  getStorageInfo() {
    return { currentSize: 0, limitSize: 5120 };
  },
};

// Zalo opens the page in its own webview; here the address is only noted for the test.
export function openWebview({ url, config }) {
  zalo.calls.push("openWebview");
  zalo.opened = [...(zalo.opened || []), { url, style: config && config.style }];
  return Promise.resolve({});
}
