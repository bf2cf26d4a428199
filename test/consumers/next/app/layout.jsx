export const metadata = { title: 'scp-ledger in Next.js', icons: { icon: 'data:,' } };

export default function RootLayout({ children }) {
  return <html lang="en"><body>{children}</body></html>;
}
