package dev.kiln.bench;

import java.util.SplittableRandom;

/**
 * About {@code bytes} of deterministic English prose for tokenizer benchmarks: sentences drawn with a fixed seed from a
 * list of common words, with capitals, commas, numbers, contractions, quotes and paragraph breaks.
 */
final class EnglishText {
    private static final String[] WORDS = ("the of and to a in is it you that he was for on are with as I his they be at one "
            + "have this from or had by hot word but what some we can out other were all there when up use your how said "
            + "an each she which do their time if will way about many then them write would like so these her long make "
            + "thing see him two has look more day could go come did number sound no most people my over know water than "
            + "call first who may down side been now find any new work part take get place made live where after back "
            + "little only round man year came show every good me give our under name very through just form sentence "
            + "great think say help low line differ turn cause much mean before move right boy old too same tell does set "
            + "three want air well also play small end put home read hand port large spell add even land here must big "
            + "high such follow act why ask men change went light kind off need house picture try us again animal point "
            + "mother world near build self earth father head stand own page should country found answer school grow "
            + "study still learn plant cover food sun four between state keep eye never last let thought city tree cross "
            + "farm hard start might story saw far sea draw left late run don't while press close night real life few "
            + "north open seem together next white children begin got walk example ease paper group always music those "
            + "both mark often letter until mile river car feet care second book carry took science eat room friend "
            + "began idea fish mountain stop once base hear horse cut sure watch color face wood main enough plain girl "
            + "usual young ready above ever red list though feel talk bird soon body dog family direct pose leave song "
            + "measure door product black short numeral class wind question happen complete ship area half rock order "
            + "fire south problem piece told knew pass since top whole king space heard best hour better true during "
            + "hundred five remember step early hold west ground interest reach fast verb sing listen six table travel "
            + "less morning ten simple several vowel toward war lay against pattern slow center love person money serve "
            + "appear road map rain rule govern pull cold notice voice unit power town fine certain fly fall lead cry "
            + "dark machine note wait plan figure star box noun field rest correct able pound done beauty drive stood "
            + "contain front teach week final gave green oh quick develop ocean warm free minute strong special mind "
            + "behind clear tail produce fact street inch multiply nothing course stay wheel full force blue object decide "
            + "surface deep moon island foot system busy test record boat common gold possible plane stead dry wonder "
            + "laugh thousand ago ran check game shape equate miss brought heat snow tire bring yes distant fill east "
            + "paint language among it's we're they've she'll I'm can't").split(" ");

    private EnglishText() {}

    static String generate(int bytes) {
        SplittableRandom random = new SplittableRandom(20260822L);
        StringBuilder out = new StringBuilder(bytes + 200);
        while (out.length() < bytes) {
            int words = 6 + random.nextInt(18);
            for (int i = 0; i < words; i++) {
                String w = WORDS[random.nextInt(WORDS.length)];
                if (i == 0) {
                    w = Character.toUpperCase(w.charAt(0)) + w.substring(1);
                } else {
                    out.append(' ');
                }
                int r = random.nextInt(100);
                if (r < 3) {
                    out.append(random.nextInt(2030));
                    out.append(' ');
                } else if (r < 5) {
                    w = '"' + w + '"';
                }
                out.append(w);
                if (i + 1 < words && random.nextInt(12) == 0) {
                    out.append(',');
                }
            }
            out.append(random.nextInt(10) == 0 ? '?' : '.');
            out.append(random.nextInt(8) == 0 ? "\n\n" : " ");
        }
        out.setLength(bytes);
        return out.toString();
    }
}
